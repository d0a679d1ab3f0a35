import cliProgress from 'cli-progress';
import type { Progress } from '../job/progress.js';

/**
 * The live bar on a terminal (cli-progress): stage, bar, percentage, detail such as "chunk 3/12", ETA. Log lines
 * written while it is drawn go through `log`, which prints them whole on their own lines above the bar and redraws
 * the bar below (cli-progress's MultiBar does exactly that; a plain write would land on the bar's line and be cut
 * at the terminal's width).
 */
export interface ProgressBar extends Progress {
  /** Prints one line above the bar (or plainly when no bar is drawn). */
  log(line: string): void;
}

export function barProgress(stream: NodeJS.WritableStream = process.stderr): ProgressBar {
  const bars = new cliProgress.MultiBar(
    {
      format: '{stage} |{bar}| {percentage}% {detail} ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      // Wrapping stays on, so that a log line longer than the terminal shows whole; cli-progress cuts the bar itself.
      linewrap: true,
      etaBuffer: 50,
      fps: 5,
      stream: stream as NodeJS.WriteStream,
    },
    cliProgress.Presets.shades_classic,
  );
  // One bar for the whole run: each stage restarts it with its own label.
  let bar: cliProgress.SingleBar | undefined;
  let stageName = '';
  return {
    stage(name, label) {
      stageName = (label ?? name).padEnd(10);
      if (bar) bar.update(0, { stage: stageName, detail: '' });
      else bar = bars.create(1000, 0, { stage: stageName, detail: '' });
    },
    update(fraction, detail = '') {
      bar?.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { stage: stageName, detail });
    },
    stop() {
      if (!bar) return;
      bars.stop();
      bar = undefined;
    },
    log(line) {
      if (!bar) {
        stream.write(`${line}\n`);
        return;
      }
      bars.log(`${line}\n`);
      bars.update();
    },
  };
}
