import { createWriteStream } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { errorMessage, InputError } from '../../lib/errors.js';
import { SAMPLE_RATE } from '../audio/pcm.js';
import { decodeToPcm, type FfmpegTools } from '../engines/ffmpeg.js';
import type { SkippedFile, SourceFile } from '../transcript.js';
import type { FetchedFile } from './fetch.js';

/**
 * Decodes every file of the session, in order, into one 16 kHz mono s16le file: the session timeline. Each file's
 * offset on the timeline is the number of samples decoded before it, so timestamps stay exact even where a
 * container's announced duration is off. A file that fails to decode is cut back out and reported; the others go on.
 */
const MAX_PADDING_SECONDS = 0.2;

export async function decodeSession(
  files: readonly FetchedFile[],
  pcmPath: string,
  tools: FfmpegTools,
  options: { signal?: AbortSignal; onProgress?: (decodedSeconds: number, totalSeconds: number) => void } = {},
): Promise<{ sources: SourceFile[]; skipped: SkippedFile[]; samples: number }> {
  await writeFile(pcmPath, '');
  const sources: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  const expected = files.reduce((s, f) => s + f.probe.duration, 0);
  let samples = 0;
  for (const file of files) {
    const sink = createWriteStream(pcmPath, { flags: 'r+', start: samples * 2 });
    let written = 0;
    try {
      written = await decodeToPcm(tools, file.localPath, sink, {
        displayName: file.name,
        signal: options.signal,
        onSamples: (n) => options.onProgress?.((samples + n) / SAMPLE_RATE, expected),
      });
    } catch (err) {
      sink.destroy();
      await once(sink, 'close').catch(() => undefined);
      await truncate(pcmPath, samples * 2);
      if (!(err instanceof InputError)) throw err;
      skipped.push({ name: file.name, reason: errorMessage(err).replace(`${file.name}: `, '') });
      continue;
    }
    sink.end();
    await once(sink, 'close');
    // Decoders emit whole frames, so an AAC file gains up to one frame of padding at its end (64 ms at 16 kHz).
    // Trim back to the duration the container states, but only by that much: a wrong header must never cut speech.
    const stated = Math.round(file.probe.duration * SAMPLE_RATE);
    if (written > stated && written - stated <= MAX_PADDING_SECONDS * SAMPLE_RATE) {
      written = stated;
      await truncate(pcmPath, (samples + written) * 2);
    }
    sources.push({ name: file.name, offset: samples / SAMPLE_RATE, duration: written / SAMPLE_RATE, format: `${file.probe.format}/${file.probe.codec}` });
    samples += written;
  }
  return { sources, skipped, samples };
}
