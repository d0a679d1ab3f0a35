import { readFile } from 'node:fs/promises';
import type { AsrEngine, AsrOptions, AsrResult } from '../../job/engines/asr.js';

/**
 * An honest stand-in for whisper where a test is about plumbing, not recognition: it reads the chunk WAV it is
 * given (16 kHz mono s16le, as the pipeline writes it) and answers one segment spanning the whole chunk, numbered,
 * in the requested language (or the first allowed one under 'auto'). It records every call.
 */
export class ScriptedAsr implements AsrEngine {
  readonly description = 'scripted test ASR (no recognition)';
  readonly calls: Array<{ wavPath: string; seconds: number; options: AsrOptions }> = [];

  constructor(private readonly failWith?: Error) {}

  async transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult> {
    if (this.failWith) throw this.failWith;
    const seconds = wavSeconds(await readFile(wavPath));
    this.calls.push({ wavPath, seconds, options });
    const language = options.language === 'auto' ? (options.allowedLanguages?.[0] ?? 'fr') : options.language;
    const text = `Passage ${this.calls.length} de test`;
    options.onProgress?.(1);
    return {
      language,
      segments: [{ start: 0, end: seconds, text, tokens: [{ start: 0, end: seconds, text, probability: 0.9 }], avgLogprob: -0.2 }],
    };
  }
}

/** Duration of a 16 kHz mono 16-bit WAV from its `data` chunk. */
export function wavSeconds(wav: Buffer): number {
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'data') return Math.min(size, wav.length - offset - 8) / 2 / 16000;
    offset += 8 + size + (size % 2);
  }
  throw new Error('not a WAV file: no data chunk');
}

/**
 * An honest stand-in for whisper where a test scores *who said each line*: it reads the chunk it is given and
 * answers one segment per stretch of sound (frames louder than -40 dBFS, gaps under 0.3 s bridged), each with
 * three evenly spaced words. It recognises nothing: it only puts segments where the speech is, as whisper would,
 * so that the speaker of every transcript line can be scored against the truth.
 */
export class SpeechIslandsAsr implements AsrEngine {
  readonly description = 'speech-islands test ASR (no recognition)';
  readonly calls: Array<{ wavPath: string; seconds: number; options: AsrOptions }> = [];

  async transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult> {
    const wav = await readFile(wavPath);
    const seconds = wavSeconds(wav);
    this.calls.push({ wavPath, seconds, options });
    const samples = pcmOf(wav);
    const language = options.language === 'auto' ? (options.allowedLanguages?.[0] ?? 'fr') : options.language;
    const segments = islands(samples).map(([start, end], i) => {
      const words = [0, 1, 2].map((k) => ({ start: start + ((end - start) * k) / 3, end: start + ((end - start) * (k + 1)) / 3, text: ` mot${i}.${k}`, probability: 0.9 }));
      return { start, end, text: words.map((w) => w.text).join('').trim(), tokens: words, avgLogprob: -0.2 };
    });
    options.onProgress?.(1);
    return { language, segments };
  }
}

function pcmOf(wav: Buffer): Int16Array {
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'data') {
      const data = wav.subarray(offset + 8, offset + 8 + Math.min(size, wav.length - offset - 8));
      const out = new Int16Array(Math.floor(data.length / 2));
      Buffer.from(out.buffer).set(data.subarray(0, out.length * 2));
      return out;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('not a WAV file: no data chunk');
}

/** [start, end) seconds of the loud stretches. */
/**
 * Quiet frames (20 ms) an island bridges: under 0.3 s, so that the 0.3 s silences laid between the pieces of
 * speech-only audio (job/audio/condense.ts) end an island, as a pause ends a line.
 */
const QUIET_FRAMES_BRIDGED = 13;

function islands(samples: Int16Array): Array<[number, number]> {
  const frame = 320; // 20 ms
  const floor = 0.01 * 32768;
  const out: Array<[number, number]> = [];
  let start = -1;
  let lastLoud = -1;
  const frames = Math.floor(samples.length / frame);
  for (let f = 0; f <= frames; f++) {
    let loud = false;
    if (f < frames) {
      let sum = 0;
      for (let i = f * frame; i < (f + 1) * frame; i++) sum += samples[i]! * samples[i]!;
      loud = Math.sqrt(sum / frame) > floor;
    }
    if (loud) {
      if (start < 0) start = f;
      lastLoud = f;
    } else if (start >= 0 && (f === frames || f - lastLoud > QUIET_FRAMES_BRIDGED)) {
      if ((lastLoud + 1 - start) * 0.02 >= 0.2) out.push([start * 0.02, (lastLoud + 1) * 0.02]);
      start = -1;
    }
  }
  return out;
}
