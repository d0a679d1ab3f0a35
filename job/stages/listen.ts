import { AbortedError, errorMessage } from '../../lib/errors.js';
import { encodeListening, type FfmpegTools } from '../engines/ffmpeg.js';

/**
 * The listening copy, audio.opus (what transcript.html plays): encoded by the planner from the session it has just
 * decoded, in a process of its own while the VAD and the chunks keep this one busy, so that it costs the plan no
 * wall time on a machine with a spare core. Its failure costs the page its sound, never the transcript: `wait`
 * answers why instead. An abort (or a plan that fails on the way) kills the encoder.
 */
export interface Listening {
  /** The encoded file, or why there is none. Rejects only with AbortedError. */
  wait(): Promise<{ path: string } | { problem: string }>;
  /** Kills the encoder if it still runs (a plan that failed); waits for it to exit. */
  stop(): Promise<void>;
}

export function startListening(tools: FfmpegTools, pcmPaths: readonly string[], outPath: string, signal?: AbortSignal): Listening {
  const own = new AbortController();
  const onAbort = () => own.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) own.abort();
  const done = encodeListening(tools, pcmPaths, outPath, { signal: own.signal }).then(
    () => ({ path: outPath }) as const,
    (err: unknown) => (err instanceof AbortedError ? ({ aborted: true } as const) : ({ problem: errorMessage(err) } as const)),
  );
  const settled = done.finally(() => signal?.removeEventListener('abort', onAbort));
  return {
    async wait() {
      const outcome = await settled;
      if ('aborted' in outcome) throw new AbortedError();
      return outcome;
    },
    async stop() {
      own.abort();
      await settled;
    },
  };
}

/** What the report and the log say when the page has no sound. */
export function noListening(problem: string): string {
  return `audio.opus could not be made (${problem}): transcript.html is written without its sound; the transcript is complete.`;
}
