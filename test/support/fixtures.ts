/**
 * Shared generated fixtures, made once per test process into a temp folder and removed at exit.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeSession, TEST_VOICES, wavBytes, type TimedUtterance } from './espeak.js';

const run = promisify(execFile);

let dir: string | undefined;
/** A temp folder for this test process, removed when it exits. */
export function scratchDir(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'jdr-test-'));
    const d = dir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return dir;
}

/** Four speakers, French and English, pauses of 0.4–1.5 s: ≈ 20 s. */
export const DIALOGUE = [
  { text: 'Bonjour à tous, on reprend la partie là où on s’était arrêtés.', voice: TEST_VOICES[0]!, pauseBefore: 1.0, speaker: 'A' },
  { text: 'Hello everyone, I cast fireball at the goblins.', voice: TEST_VOICES[1]!, pauseBefore: 0.8, speaker: 'B' },
  { text: 'Le dragon se réveille et vous regarde fixement.', voice: TEST_VOICES[2]!, pauseBefore: 1.5, speaker: 'C' },
  { text: 'Roll for initiative, everyone.', voice: TEST_VOICES[3]!, pauseBefore: 0.4, speaker: 'D' },
  { text: 'Je lance un jet de sauvegarde.', voice: TEST_VOICES[0]!, pauseBefore: 1.2, speaker: 'A' },
] as const;

let dialogue: Promise<{ wav: string; pcm: Int16Array; truth: TimedUtterance[] }> | undefined;
/** The dialogue above as a 16 kHz WAV file with its ground truth. */
export function dialogueWav(): Promise<{ wav: string; pcm: Int16Array; truth: TimedUtterance[] }> {
  dialogue ??= (async () => {
    const { pcm, truth } = await composeSession(DIALOGUE, 1.0);
    const wav = join(scratchDir(), 'dialogue.wav');
    writeFileSync(wav, wavBytes(pcm));
    return { wav, pcm, truth };
  })();
  return dialogue;
}

/** `seconds` of the dialogue, looped, as a WAV file at `path` (written once: an existing file is kept). */
export async function loopedDialogueWav(path: string, seconds: number): Promise<string> {
  if (existsSync(path)) return path;
  const { pcm } = await dialogueWav();
  const out = new Int16Array(seconds * 16000);
  for (let at = 0; at < out.length; at += pcm.length) out.set(pcm.subarray(0, Math.min(pcm.length, out.length - at)), at);
  writeFileSync(path, wavBytes(out));
  return path;
}

/** Re-encodes a WAV file with ffmpeg into another format (by extension). */
export async function encodeAs(wav: string, out: string, extraArgs: string[] = []): Promise<string> {
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', wav, ...extraArgs, out]);
  return out;
}
