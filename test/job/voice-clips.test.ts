/**
 * Voice clips for the speakers left without a name (job/diarize/clips.ts, job/stages/voices.ts): which stretches are
 * cut, that ffmpeg cuts exactly those from the listening copy, and that a clip that cannot be cut is a warning. The
 * whole loop (a run's clip given back as the player's voice sample names them in the next run) is in
 * test/e2e/cli.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLIP_DEFAULTS, clipSpans, MAX_CLIPS } from '../../job/diarize/clips.js';
import { clipCluster, clipFileName } from '../../lib/contracts/session.js';
import { cutClip, encodeListening, ffmpegTools } from '../../job/engines/ffmpeg.js';
import { writeVoiceClips } from '../../job/stages/voices.js';
import type { SpeakerSummary } from '../../job/transcript.js';
import { AbortedError } from '../../lib/errors.js';
import { scratchDir } from '../support/fixtures.js';

const run = promisify(execFile);
const turn = (start: number, end: number, speaker = 'SPK4') => ({ start, end, speaker });

test('clipSpans: the longest turns, a quarter second off each end, up to 20 s, in time order', () => {
  const turns = [turn(0, 3), turn(3, 10, 'Alice'), turn(10, 22), turn(30, 31), turn(40, 47), turn(50, 60)];
  // Trimmed: 10.25–21.75 (11.5 s), 50.25–59.75 (9.5 s): 21 s, so the second is cut to 8.5 s; 0–3 and 40–47 do not fit.
  assert.deepEqual(clipSpans(turns, 'SPK4'), [
    { start: 10.25, end: 21.75 },
    { start: 50.25, end: 58.75 },
  ]);
  const short = [turn(0, 2), turn(5, 7), turn(9, 10)];
  // 1.5 + 1.5 s of trimmed turns (0.5 s is too short): under the 6 s a sample needs.
  assert.equal(clipSpans(short, 'SPK4'), undefined);
  assert.deepEqual(clipSpans([turn(0, 4), turn(5, 10)], 'SPK4'), [
    { start: 0.25, end: 3.75 },
    { start: 5.25, end: 9.75 },
  ], '8 s in two turns is enough, and the longer one, later, comes second');
  assert.deepEqual(clipSpans([turn(0, 19.5), turn(30, 36)], 'SPK4'), [{ start: 0.25, end: 19.25 }], 'no scrap of 1 s to fill the last second');
  assert.equal(clipSpans(turns, 'Bob'), undefined, 'a speaker with no turn');
  assert.equal(clipFileName('SPK4'), 'voice-SPK4.opus');
  assert.equal(clipCluster(clipFileName('SPK12')), 'SPK12');
  for (const other of ['voice-notes.opus', 'audio.opus', 'voice-SPK4.opus.partial']) assert.equal(clipCluster(other), undefined, other);
  assert.equal(CLIP_DEFAULTS.maxSeconds, 20);
});

/** 12 s of audio: a 440 Hz tone from 1 to 4 s, an 880 Hz tone from 6 to 9 s, silence elsewhere, as Opus. */
async function tones(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const pcm = new Int16Array(12 * 16000);
  for (const [from, to, hz] of [
    [1, 4, 440],
    [6, 9, 880],
  ] as const) {
    for (let i = from * 16000; i < to * 16000; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 16000));
  }
  writeFileSync(join(dir, 'session.pcm'), Buffer.from(pcm.buffer));
  await encodeListening(ffmpegTools(), [join(dir, 'session.pcm')], join(dir, 'audio.opus'));
  return join(dir, 'audio.opus');
}

async function durationOf(path: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return Number(stdout.trim());
}

async function meanVolume(path: string, from: number, seconds: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'info', '-ss', String(from), '-t', String(seconds), '-i', path, '-af', 'volumedetect', '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)![1]);
}

test('cutClip: exactly the spans, joined, from an Opus listening copy', async () => {
  const dir = join(scratchDir(), 'clip-cut');
  const audio = await tones(dir);
  const out = join(dir, 'voice-SPK1.opus');
  await cutClip(ffmpegTools(), audio, [
    { start: 1.5, end: 3.5 },
    { start: 6.5, end: 8.5 },
  ], out);
  assert.ok(Math.abs((await durationOf(out)) - 4) < 0.06, `clip of ${await durationOf(out)} s`);
  // Tone all along: no silence between or around the pieces (a span off by a second would bring some in).
  for (const at of [0.1, 1.5, 2.5, 3.5]) assert.ok((await meanVolume(out, at, 0.4)) > -25, `tone at ${at} s of the clip`);
  await assert.rejects(cutClip(ffmpegTools(), audio, [], out), /No span/);
});

test('writeVoiceClips: one clip per speaker without a name, the most talkative first, bounded, none for a lone voice; a failed cut is a warning', async () => {
  const dir = join(scratchDir(), 'clip-stage');
  const audio = await tones(dir);
  const summaries: SpeakerSummary[] = [
    { name: 'Alice', cluster: 'SPK1', talkSeconds: 3, turns: 1, source: 'voice-sample' },
    { name: 'SPK2', cluster: 'SPK2', talkSeconds: 6, turns: 2, source: 'unmatched' },
    { name: 'SPK3', cluster: 'SPK3', talkSeconds: 1, turns: 1, source: 'unmatched' },
  ];
  const turns = [turn(0.5, 4.5, 'Alice'), turn(5.5, 9.5, 'Alice'), turn(0.75, 4.25, 'SPK2'), turn(5.5, 9.5, 'SPK2'), turn(10, 11, 'SPK3')];
  const out = join(dir, 'out');
  // What an earlier attempt of the finish left: its clip goes, the other outputs stay.
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'voice-SPK9.opus'), 'stale');
  writeFileSync(join(out, 'transcript.md'), 'kept');
  const made = await writeVoiceClips(ffmpegTools(), audio, turns, summaries, out);
  assert.equal(existsSync(join(out, 'voice-SPK9.opus')), false, 'an earlier attempt\'s clip is removed');
  assert.ok(existsSync(join(out, 'transcript.md')));
  assert.deepEqual(made.problems, []);
  assert.deepEqual(made.clips.map((c) => [c.cluster, c.file, c.seconds]), [['SPK2', 'voice-SPK2.opus', 6.5]], 'Alice has a name; SPK3 has 1 s');
  assert.ok(existsSync(join(out, 'voice-SPK2.opus')));
  assert.ok(Math.abs((await durationOf(join(out, 'voice-SPK2.opus'))) - 6.5) < 0.06);

  const alone = await writeVoiceClips(ffmpegTools(), audio, turns.filter((x) => x.speaker === 'SPK2'), summaries.filter((x) => x.cluster === 'SPK2'), join(dir, 'alone'));
  assert.deepEqual(alone, { clips: [], problems: [] }, 'one voice in the session: no clip (often several players heard as one)');

  const many: SpeakerSummary[] = Array.from({ length: MAX_CLIPS + 2 }, (_, i) => ({ name: `SPK${i + 1}`, cluster: `SPK${i + 1}`, talkSeconds: i, turns: 1, source: 'unmatched' }));
  const manyTurns = many.map((s) => turn(1, 9, s.name));
  const bounded = await writeVoiceClips(ffmpegTools(), audio, manyTurns, many, join(dir, 'many'));
  assert.equal(bounded.clips.length, MAX_CLIPS);
  assert.ok(!bounded.clips.some((c) => c.cluster === 'SPK1' || c.cluster === 'SPK2'), 'the least talkative are left out');

  const fake = join(dir, 'ffmpeg-no-opus');
  writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do [ "$a" = libopus ] && { echo "Unknown encoder 'libopus'" >&2; exit 1; }; done\nexec ffmpeg "$@"\n`, { mode: 0o755 });
  const failed = await writeVoiceClips({ ffmpeg: fake, ffprobe: 'ffprobe' }, audio, turns, summaries, join(dir, 'failed'));
  assert.deepEqual(failed.clips, []);
  assert.equal(failed.problems.length, 1);
  assert.match(failed.problems[0]!, /^voice-SPK2\.opus could not be cut \(.*Unknown encoder 'libopus'.*\): SPK2 has no voice clip to name them by; the transcript is complete\.$/);

  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(writeVoiceClips(ffmpegTools(), audio, turns, summaries, join(dir, 'aborted'), aborted.signal), AbortedError);
});
