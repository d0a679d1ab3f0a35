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
      etaBuffer: 50,
      fps: 5,
      stream: stream as NodeJS.WriteStream,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let stageName = '';
  const end = () => {
    if (!bar) return;
    bars.stop();
    bars.remove(bar);
    bar = undefined;
  };
  return {
    stage(name, label) {
      stageName = (label ?? name).padEnd(10);
      end();
      bar = bars.create(1000, 0, { stage: stageName, detail: '' });
    },
    update(fraction, detail = '') {
      bar?.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { stage: stageName, detail });
    },
    stop: end,
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
