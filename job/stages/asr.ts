import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { BYTES_PER_SAMPLE, SAMPLE_RATE, wavHeader, type PcmFile } from '../audio/pcm.js';
import type { Chunk } from './chunk.js';

/** A chunk of a PCM file as a WAV file for the ASR engine, streamed in 30 s pieces (15 min ≈ 29 MB). */
export async function writeChunkWav(pcm: PcmFile, chunk: Pick<Chunk, 'start' | 'end'>, path: string): Promise<void> {
  const first = Math.round(chunk.start * SAMPLE_RATE);
  const last = Math.min(pcm.samples, Math.round(chunk.end * SAMPLE_RATE));
  const out = createWriteStream(path);
  out.write(wavHeader((last - first) * BYTES_PER_SAMPLE));
  const step = 30 * SAMPLE_RATE;
  for (let at = first; at < last; at += step) {
    const piece = await pcm.readSamples(at, Math.min(last, at + step));
    if (!out.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}
