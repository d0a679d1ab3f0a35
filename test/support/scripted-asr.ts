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
