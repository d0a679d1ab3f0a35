import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { open, writeFile } from 'node:fs/promises';
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

/** A span of one of our own chunk WAVs (16 kHz mono s16le, the 44-byte header wavHeader writes) as a WAV file. */
export async function cutChunkWav(wavPath: string, span: { start: number; end: number }, path: string): Promise<void> {
  const handle = await open(wavPath, 'r');
  try {
    const samples = Math.floor(((await handle.stat()).size - WAV_HEADER_BYTES) / BYTES_PER_SAMPLE);
    const first = Math.max(0, Math.min(samples, Math.round(span.start * SAMPLE_RATE)));
    const last = Math.max(first, Math.min(samples, Math.round(span.end * SAMPLE_RATE)));
    const data = Buffer.alloc((last - first) * BYTES_PER_SAMPLE);
    await handle.read(data, 0, data.length, WAV_HEADER_BYTES + first * BYTES_PER_SAMPLE);
    await writeFile(path, Buffer.concat([wavHeader(data.length), data]));
  } finally {
    await handle.close();
  }
}

const WAV_HEADER_BYTES = 44;
