/**
 * Multitrack sessions made with espeak-ng, as Craig records them: one track per person, all from t = 0, each ending
 * 2 s after its person's last word (so lengths differ), FLAC, `<n>-<user>.flac`, and an `info.txt` (CRLF) with the
 * Tracks: list and /note lines. Lines overlap now and then (someone answers before the other has finished); `bleed`
 * adds every other voice to each track at that level (a mic per player around a table, or Discord without
 * headphones, `echoMs` later). The truth is the lines, by speaker id.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { wavHeader } from '../../job/audio/pcm.js';
import type { Voice } from './espeak.js';
import { RPG_SPEAKERS, rpgSession, type RpgLine, type RpgSpeaker } from './rpg-session.js';

const run = promisify(execFile);

export interface TrackPerson extends RpgSpeaker {
  /** Discord: global name, username, id. */
  globalName: string;
  username: string;
  discordId: string;
}

/** The game master and four players; the fifth voice is a French male one unlike the others. */
export const TRACK_PEOPLE: readonly TrackPerson[] = [
  { ...RPG_SPEAKERS[0]!, globalName: 'Camille', username: 'camille_mj', discordId: '111111111111111111' },
  { ...RPG_SPEAKERS[1]!, globalName: 'Alice', username: 'alice.w', discordId: '222222222222222222' },
  { ...RPG_SPEAKERS[2]!, globalName: 'Léa', username: 'lea', discordId: '333333333333333333' },
  { ...RPG_SPEAKERS[3]!, globalName: 'Bob', username: 'bobby#4242', discordId: '444444444444444444' },
  { id: 'hugo', name: 'Hugo', voice: { voice: 'fr+m1', pitch: 50, speed: 175 } satisfies Voice, lang: 'fr', globalName: 'Hugo', username: 'hugo_r', discordId: '555555555555555555' },
];

export interface MultitrackOptions {
  seed: number;
  seconds: number;
  /** Other voices on every track, dB relative to their own track (e.g. -20); none when absent. */
  bleedDb?: number;
  /** The copy on other tracks comes this late (Discord echo), ms. */
  echoMs?: number;
  /** Every n-th line starts this long before the previous one ends (default every 5th, 0.8 s). */
  overlap?: { every: number; seconds: number };
  /** This person (index) leaves after the first third: their track is much shorter. */
  leavesEarly?: number;
  /** A mic's hiss on every track: white noise at this level, dBFS (a seeded generator, the same every run). */
  noiseDbfs?: number;
}

export interface MultitrackSession {
  people: readonly TrackPerson[];
  /** One per person, 16 kHz mono, from t = 0. */
  tracks: Int16Array[];
  truth: RpgLine[];
  /** Craig's notes: seconds and text. */
  notes: Array<{ time: number; text: string }>;
  duration: number;
}

export async function multitrackSession(options: MultitrackOptions): Promise<MultitrackSession> {
  const people = TRACK_PEOPLE;
  const base = await rpgSession({ seed: options.seed, seconds: options.seconds, speakers: people });
  const overlap = options.overlap ?? { every: 5, seconds: 0.8 };
  // Re-time the lines: every n-th one starts before the previous one ends (when another person says it).
  const lines: Array<RpgLine & { audio: Int16Array }> = [];
  let shift = 0;
  base.truth.forEach((t, i) => {
    const audio = base.pcm.subarray(Math.round(t.start * 16000), Math.round(t.end * 16000));
    const previous = lines[lines.length - 1];
    let start = t.start - shift;
    if (previous && i % overlap.every === 0 && previous.speaker !== t.speaker) {
      const wanted = previous.end - overlap.seconds;
      shift += start - wanted;
      start = wanted;
    }
    lines.push({ ...t, start, end: start + audio.length / 16000, audio });
  });
  const early = options.leavesEarly;
  const cutoff = base.duration / 3;
  const kept = lines.filter((l) => early === undefined || l.speaker !== people[early]!.id || l.start < cutoff);
  const duration = Math.max(...kept.map((l) => l.end)) + 2;
  const gain = options.bleedDb === undefined ? 0 : 10 ** (options.bleedDb / 20);
  const echo = Math.round(((options.echoMs ?? 0) / 1000) * 16000);
  const tracks = people.map((person) => {
    const own = kept.filter((l) => l.speaker === person.id);
    // Craig: a track ends 2 s after its user's last packet.
    const end = own.length > 0 ? Math.max(...own.map((l) => l.end)) + 2 : 2;
    const track = new Float32Array(Math.round(end * 16000));
    for (const l of kept) {
      const mine = l.speaker === person.id;
      if (!mine && gain === 0) continue;
      const at = Math.round(l.start * 16000) + (mine ? 0 : echo);
      const g = mine ? 1 : gain;
      for (let i = 0; i < l.audio.length && at + i < track.length; i++) track[at + i]! += l.audio[i]! * g;
    }
    if (options.noiseDbfs !== undefined) {
      // Uniform white noise of that RMS: amplitude √3 × RMS.
      const amplitude = Math.sqrt(3) * 32768 * 10 ** (options.noiseDbfs / 20);
      let seed = 12345 + people.indexOf(person);
      for (let i = 0; i < track.length; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        track[i]! += amplitude * (seed / 2 ** 32 * 2 - 1);
      }
    }
    return Int16Array.from(track, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
  });
  const notes = [
    { time: Math.round(duration * 0.25), text: 'le dragon se réveille' },
    { time: Math.round(duration * 0.6), text: 'pause "pizza"' },
  ];
  return { people, tracks, truth: kept.map(({ audio: _audio, ...line }) => line), notes, duration };
}

/** Craig's file name for a person's track: `<n>-<username with every non-alphanumeric as _>.flac`. */
export function craigName(index: number, person: TrackPerson, count: number, ext = 'flac'): string {
  const n = count >= 10 ? String(index + 1).padStart(2, '0') : String(index + 1);
  return `${n}-${person.username.replace(/[^a-zA-Z0-9]/g, '_')}.${ext}`;
}

/** info.txt as Craig writes it (cook/recinfo.js): CRLF, tab-indented Tracks: and Notes: lists. */
export function craigInfo(session: MultitrackSession, recording = 'AbCdEf123'): string {
  const clock = (s: number) => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const lines = [
    `Recording ${recording}`,
    '',
    'Guild:\t\tLa Table Ronde (999)',
    'Channel:\tvocal (998)',
    `Requester:\t${session.people[0]!.globalName} (${session.people[0]!.username}) (${session.people[0]!.discordId})`,
    'Start time:\t2026-11-28T19:00:00.000Z',
    '',
    'Tracks:',
    ...session.people.map((p) => `\t${p.globalName} (${p.username}) (${p.discordId})`),
    '',
    'Notes:',
    ...session.notes.map((n) => `\t${clock(n.time)}: ${n.text.replace(/"/g, '\\"')}`),
    '',
  ];
  return lines.join('\r\n');
}

/** Writes the tracks as FLAC files (Craig's names unless `names` says otherwise) into `dir`; returns their paths. */
export async function writeTracks(session: MultitrackSession, dir: string, names?: readonly string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [i, pcm] of session.tracks.entries()) {
    const name = names?.[i] ?? craigName(i, session.people[i]!, session.tracks.length);
    const wav = join(dir, `${name}.tmp.wav`);
    await writeFile(wav, Buffer.concat([wavHeader(pcm.byteLength), Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]));
    const out = join(dir, name);
    const codec = name.endsWith('.m4a') ? ['-c:a', 'aac', '-b:a', '96k'] : [];
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', wav, ...codec, out]);
    await run('rm', ['-f', wav]);
    paths.push(out);
  }
  return paths;
}
