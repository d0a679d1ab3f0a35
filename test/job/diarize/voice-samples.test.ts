import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionContextSchema } from '../../../lib/contracts/context.js';
import { ffmpegTools } from '../../../job/engines/ffmpeg.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { decodeSample } from '../../../job/engines/ffmpeg.js';
import { loadVoiceSamples, SampleUnavailable, speechIn } from '../../../job/diarize/voice-samples.js';
import { InputError } from '../../../lib/errors.js';
import { wavBytes } from '../../support/espeak.js';

/** A voiced-sounding signal: a 140 Hz pulse train with harmonics, in bursts separated by silences. */
function bursts(spans: Array<[number, number]>, seconds: number, level = 0.3): Float32Array {
  const out = new Float32Array(Math.round(seconds * 16000));
  for (const [a, b] of spans) {
    for (let i = Math.round(a * 16000); i < Math.round(b * 16000); i++) {
      const t = i / 16000;
      out[i] = level * (0.6 * Math.sin(2 * Math.PI * 140 * t) + 0.3 * Math.sin(2 * Math.PI * 280 * t) + 0.1 * Math.sin(2 * Math.PI * 700 * t));
    }
  }
  return out;
}

test('speech in a sample: loud stretches, short pauses bridged, padded', () => {
  const regions = speechIn(bursts([[0.5, 1.5], [1.6, 2.0], [3.0, 3.5]], 4));
  assert.equal(regions.length, 2);
  assert.ok(Math.abs(regions[0]!.start - 0.4) < 0.04 && Math.abs(regions[0]!.end - 2.1) < 0.04, JSON.stringify(regions));
  assert.ok(Math.abs(regions[1]!.start - 2.9) < 0.04 && Math.abs(regions[1]!.end - 3.6) < 0.04, JSON.stringify(regions));
});

test('speech in a sample: silence and faint hiss hold none', () => {
  assert.deepEqual(speechIn(new Float32Array(32000)), []);
  assert.deepEqual(speechIn(bursts([[0, 2]], 2, 0.001)), []);
});

test('voice samples: usable ones become a profile per speaker; every problem is reported, none thrown', async () => {
  const files: Record<string, Float32Array | Error> = {
    'voices/a1.wav': bursts([[0.2, 2.2]], 2.5),
    'voices/a2.wav': bursts([[0.1, 1.6]], 2),
    'voices/silent.wav': new Float32Array(48000),
    'voices/short.wav': bursts([[0.1, 0.5]], 1),
    'voices/broken.m4a': new SampleUnavailable('unreadable', 'Invalid data found when processing input'),
    'voices/gone.wav': new SampleUnavailable('missing', 'ENOENT: no such file or directory'),
    '../../other/voice.wav': new SampleUnavailable('outside', '../../other/voice.wav is outside the folder of context.yaml'),
  };
  const context = SessionContextSchema.parse({
    speakers: [
      { id: 'alice', name: 'Alice', voice_samples: ['voices/a1.wav', 'voices/a2.wav', 'voices/gone.wav'] },
      { id: 'bob', voice_samples: ['voices/silent.wav', 'voices/short.wav', 'voices/broken.m4a', 'voices/throws.wav', '../../other/voice.wav'] },
      { id: 'camille' },
    ],
  });
  const readSample = async (path: string) => {
    if (path === 'voices/throws.wav') throw new Error('disk on fire');
    const file = files[path]!;
    if (file instanceof Error) throw file;
    return file;
  };
  const { profiles, problems } = await loadVoiceSamples(context, readSample, new SpectralEmbedder());
  assert.deepEqual(profiles.map((p) => [p.speakerId, p.name]), [['alice', 'Alice']]);
  assert.ok(profiles[0]!.embeddings.length >= 2);
  assert.ok(Math.abs(profiles[0]!.weight - 3.7 / 1.5) < 0.2, `weight ${profiles[0]!.weight}`);
  assert.deepEqual(
    problems.map((p) => [p.speakerId, p.path, p.kind]),
    [
      ['alice', 'voices/gone.wav', 'missing'],
      ['bob', 'voices/silent.wav', 'silent'],
      ['bob', 'voices/short.wav', 'too-short'],
      ['bob', 'voices/broken.m4a', 'unreadable'],
      ['bob', 'voices/throws.wav', 'unreadable'],
      ['bob', '../../other/voice.wav', 'outside'],
    ],
  );
  // A sample refused for leaving its folder says so, not "cannot be decoded".
  assert.match(problems[5]!.message, /outside the folder of context\.yaml; put the sample in the folder of context\.yaml/);
  assert.doesNotMatch(problems[5]!.message, /cannot be decoded/);
  assert.match(problems[0]!.message, /not found; upload it next to context\.yaml/);
  assert.match(problems[2]!.message, /^voice sample voices\/short\.wav \(speaker bob\): holds only 0\.[0-9] s of speech; record at least 1 s/);
});

test('reading a sample with ffmpeg: floats for audio, an InputError for a corrupt or missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voice-sample-'));
  try {
    const tone = bursts([[0, 1]], 1);
    await writeFile(join(dir, 'ok.wav'), wavBytes(Int16Array.from(tone, (x) => Math.round(x * 32767))));
    await writeFile(join(dir, 'bad.wav'), Buffer.from('RIFF this is not audio at all'));
    const tools = ffmpegTools({});
    const ok = await decodeSample(tools, join(dir, 'ok.wav'));
    assert.ok(ok instanceof Float32Array);
    assert.equal(ok.length, 16000);
    assert.ok(Math.abs(ok[1000]! - tone[1000]!) < 1e-3);
    await assert.rejects(decodeSample(tools, join(dir, 'bad.wav'), { displayName: 'bad.wav' }), (e: unknown) => e instanceof InputError && /^bad\.wav: decoding failed/.test(e.message));
    await assert.rejects(decodeSample(tools, join(dir, 'nope.wav')), InputError);
    // Only the first seconds are read: a whole recording named by mistake must not fill the memory.
    assert.equal((await decodeSample(tools, join(dir, 'ok.wav'), { maxSeconds: 0.5 })).length, 8000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
