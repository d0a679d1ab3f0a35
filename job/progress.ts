import type { Logger } from '../lib/log.js';

/**
 * What the pipeline tells a person waiting: the stage, where it is inside it (chunk i/n), and an ETA. The job logs
 * one line per stage and every few percent (what Cloud Logging wants); the command line draws a live bar instead
 * (cli/progress-bar.ts). Stages only see this interface.
 */
export interface Progress {
  /** Starts a stage; `label` is shown as is. */
  stage(name: string, label?: string): void;
  /** Progress inside the current stage, 0..1, with an optional detail such as "chunk 3/12". */
  update(fraction: number, detail?: string): void;
  /** Ends the display (last call). */
  stop(): void;
}

export const silentProgress: Progress = { stage: () => undefined, update: () => undefined, stop: () => undefined };

export function logProgress(log: Logger): Progress {
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
