import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { throwIfAborted } from '../../lib/errors.js';
import { BYTES_PER_SAMPLE, SAMPLE_RATE, wavHeader, type PcmFile } from '../audio/pcm.js';
import type { AsrEngine, AsrOptions } from '../engines/asr.js';
import type { Chunk } from './chunk.js';
import type { ChunkResult } from './merge.js';

/**
 * Runs the ASR engine over each chunk: the chunk is written as a WAV file (15 min ≈ 29 MB, streamed from the
 * session PCM in 30 s pieces), transcribed, then removed.
 */
export async function transcribeChunks(
  pcm: PcmFile,
  chunks: readonly Chunk[],
  engine: AsrEngine,
  options: Omit<AsrOptions, 'onProgress'> & {
    workDir: string;
    onProgress?: (chunkIndex: number, chunkCount: number, fraction: number) => void;
    /** Results already known (a resumed run); their chunks are not transcribed again. */
    done?: ReadonlyMap<number, ChunkResult>;
    onChunkDone?: (result: ChunkResult) => Promise<void> | void;
  },
): Promise<ChunkResult[]> {
  const results: ChunkResult[] = [];
  const { workDir, onProgress, done, onChunkDone, ...asrOptions } = options;
  for (const chunk of chunks) {
    throwIfAborted(options.signal);
    const previous = done?.get(chunk.index);
    if (previous) {
      results.push(previous);
      continue;
    }
    const wav = join(workDir, `chunk-${String(chunk.index).padStart(3, '0')}.wav`);
    try {
      await writeChunkWav(pcm, chunk, wav);
      onProgress?.(chunk.index, chunks.length, 0);
      const result = await engine.transcribe(wav, {
        ...asrOptions,
        onProgress: (f) => onProgress?.(chunk.index, chunks.length, f),
      });
      const chunkResult = { chunk, result };
      results.push(chunkResult);
      await onChunkDone?.(chunkResult);
    } finally {
      await rm(wav, { force: true });
    }
  }
  return results;
}

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
