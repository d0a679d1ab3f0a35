import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSession } from '../../../job/stages/decode.js';
import { fetchSession } from '../../../job/stages/fetch.js';
import { ffmpegTools, probeAudio } from '../../../job/engines/ffmpeg.js';
import { PcmFile } from '../../../job/audio/pcm.js';
import { FileStore } from '../../../lib/storage/file.js';
import { dialogueWav, encodeAs, scratchDir } from '../../support/fixtures.js';

const tools = ffmpegTools();

test('the same speech as wav, mp3, m4a, ogg and flac decodes to the same duration (±50 ms)', async () => {
  const { wav, pcm } = await dialogueWav();
  const expected = pcm.length / 16000;
  const dir = join(scratchDir(), 'formats');
  mkdirSync(dir, { recursive: true });
  const inputs = [
    wav,
    await encodeAs(wav, join(dir, 's.mp3'), ['-b:a', '64k']),
    await encodeAs(wav, join(dir, 's.m4a'), ['-c:a', 'aac', '-b:a', '64k']),
    await encodeAs(wav, join(dir, 's.ogg'), ['-c:a', 'libvorbis']),
    await encodeAs(wav, join(dir, 's.flac')),
    // A stereo 44.1 kHz source, as most recorders produce.
    await encodeAs(wav, join(dir, 's-stereo.wav'), ['-ac', '2', '-ar', '44100']),
  ];
  for (const input of inputs) {
    const out = join(dir, 'out.pcm');
    const probe = await probeAudio(tools, input);
    const { sources } = await decodeSession([{ name: input, localPath: input, probe }], out, tools);
    const file = await PcmFile.open(out);
    await file.close();
    assert.ok(Math.abs(file.duration - expected) <= 0.05, `${input}: ${file.duration} s vs ${expected} s`);
    assert.ok(Math.abs(sources[0]!.duration - expected) <= 0.05);
  }
});

test('parts of one session are laid end to end in name order, offsets carried', async () => {
  const { wav, pcm } = await dialogueWav();
  const one = pcm.length / 16000;
  const dir = join(scratchDir(), 'parts');
  mkdirSync(join(dir, 'context'), { recursive: true });
  await encodeAs(wav, join(dir, 'part10.flac'));
  await encodeAs(wav, join(dir, 'part2.mp3'));
  await encodeAs(wav, join(dir, 'part1.ogg'), ['-c:a', 'libvorbis']);
  writeFileSync(join(dir, 'context', 'context.yaml'), 'speakers: []');
  const work = join(scratchDir(), 'parts-work');
  const { files, skipped } = await fetchSession(new FileStore(dir), work, tools);
  assert.deepEqual(files.map((f) => f.name), ['part1.ogg', 'part2.mp3', 'part10.flac']);
  assert.deepEqual(skipped, []);
  const { sources, samples } = await decodeSession(files, join(work, 'session.pcm'), tools);
  assert.deepEqual(sources.map((s) => s.name), ['part1.ogg', 'part2.mp3', 'part10.flac']);
  for (const [i, s] of sources.entries()) assert.ok(Math.abs(s.offset - i * one) < 0.15, `offset of ${s.name}: ${s.offset}`);
  assert.ok(Math.abs(samples / 16000 - 3 * one) < 0.15);
});

test('corrupt, empty and non-audio files are skipped with the reason; the others are kept', async () => {
  const { wav } = await dialogueWav();
  const dir = join(scratchDir(), 'bad');
  mkdirSync(dir, { recursive: true });
  await encodeAs(wav, join(dir, 'good.m4a'), ['-c:a', 'aac']);
  writeFileSync(join(dir, 'empty.wav'), '');
  writeFileSync(join(dir, 'notes.txt'), 'Session 12 : les joueurs arrivent à Port-Sombre.\n');
  writeFileSync(join(dir, 'broken.mp3'), Buffer.alloc(4096, 0x5a));
  const work = join(scratchDir(), 'bad-work');
  const { files, skipped } = await fetchSession(new FileStore(dir), work, tools);
  assert.deepEqual(files.map((f) => f.name), ['good.m4a']);
  const reasons = Object.fromEntries(skipped.map((s) => [s.name, s.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), ['broken.mp3', 'empty.wav', 'notes.txt']);
  assert.match(reasons['empty.wav']!, /empty/);
  assert.match(reasons['notes.txt']!, /ffprobe|audio/);
  assert.match(reasons['broken.mp3']!, /ffprobe|audio|Invalid/i);
});

test('a file that probes but fails mid-decode is cut back out and reported', async () => {
  const { wav } = await dialogueWav();
  const dir = join(scratchDir(), 'truncated');
  mkdirSync(dir, { recursive: true });
  const good = await encodeAs(wav, join(dir, 'a.flac'));
  const out = join(dir, 'out.pcm');
  const probe = { duration: 100, format: '', codec: '', channels: 1, sampleRate: 16000, streams: [{ codec: '', channels: 1, duration: 100 }] };
  const { sources, skipped, samples } = await decodeSession(
    [
      { name: 'a.flac', localPath: good, probe },
      { name: 'gone.wav', localPath: join(dir, 'missing.wav'), probe },
      { name: 'b.flac', localPath: good, probe },
    ],
    out,
    tools,
  );
  assert.deepEqual(sources.map((s) => s.name), ['a.flac', 'b.flac']);
  assert.equal(skipped[0]!.name, 'gone.wav');
  assert.match(skipped[0]!.reason, /decoding failed \(ffmpeg: .*No such file/);
  const file = await PcmFile.open(out);
  await file.close();
  assert.equal(file.samples, samples);
  assert.ok(Math.abs(sources[1]!.offset - sources[0]!.duration) < 1e-9);
});
