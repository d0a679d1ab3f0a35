import cliProgress from 'cli-progress';
import type { Logger } from '../lib/log.js';

/**
 * What the pipeline tells a person waiting: the stage, where it is inside it (chunk i/n), and an ETA. On a TTY a
 * live bar (cli-progress); elsewhere one log line per stage and every few percent, which is what Cloud Logging and
 * CI want.
 */
export interface Progress {
  /** Starts a stage; `label` is shown as is. */
  stage(name: string, label?: string): void;
  /** Progress inside the current stage, 0..1, with an optional detail such as "chunk 3/12". */
  update(fraction: number, detail?: string): void;
  /** Ends the display (last call). */
  stop(): void;
}

export function createProgress(options: { tty: boolean; log: Logger; stream?: NodeJS.WritableStream }): Progress {
  return options.tty ? barProgress(options.stream ?? process.stderr) : logProgress(options.log);
}

export const silentProgress: Progress = { stage: () => undefined, update: () => undefined, stop: () => undefined };

function barProgress(stream: NodeJS.WritableStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: '{stage} |{bar}| {percentage}% {detail} ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      stream: stream as NodeJS.WriteStream,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stageName = '';
  return {
    stage(name, label) {
      stageName = (label ?? name).padEnd(10);
      if (started) bar.stop();
      bar.start(1000, 0, { stage: stageName, detail: '' });
      started = true;
    },
    update(fraction, detail = '') {
      if (started) bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { stage: stageName, detail });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function logProgress(log: Logger): Progress {
  let name = '';
  let startedAt = 0;
  let lastLogged = -1;
  let lastTime = 0;
  return {
    stage(stage, label) {
      name = stage;
      startedAt = Date.now();
      lastLogged = -1;
      log.info(`${label ?? stage}…`, { stage });
    },
    update(fraction, detail) {
      const pct = Math.floor(fraction * 100);
      const now = Date.now();
      // A line every 10 % or every 30 s, whichever comes first: enough to see it move, not enough to flood the logs.
      if (pct >= lastLogged + 10 || now - lastTime > 30_000) {
        lastLogged = pct;
        lastTime = now;
        const elapsed = (now - startedAt) / 1000;
        const eta = fraction > 0.02 ? Math.round((elapsed / fraction) * (1 - fraction)) : undefined;
        log.info(`${name} ${pct}%${detail ? ` (${detail})` : ''}${eta !== undefined ? `, about ${eta} s left` : ''}`, { stage: name, progress: pct });
      }
    },
    stop() {},
  };
}
