import type { Progress } from './progress.js';
import { errorMessage, InputError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Stage } from '../lib/contracts/completion.js';

/**
 * What every stage of a run shares: its timing, the status reports (status.json in the cloud) and the progress
 * display, the warnings for the report, and the stage named in a failure.
 */
export interface StageTiming {
  stage: Stage;
  seconds: number;
}

/** A failure with the stage it happened in, for the completion message and the failure email. */
export class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    readonly stage: Stage,
    override readonly cause: unknown,
  ) {
    super(`${stage}: ${errorMessage(cause)}`);
  }
  get isInputError(): boolean {
    return this.cause instanceof InputError;
  }
}

export interface RunContextDeps {
  log: Logger;
  progress: Progress;
  onStatus?: (status: { stage: Stage; state: 'started' | 'finished'; timings: StageTiming[] }) => Promise<void> | void;
}

/** Times the stages, reports them to onStatus and the progress display, collects warnings. */
export class RunContext {
  readonly startedAt = Date.now();
  readonly timings: StageTiming[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly deps: RunContextDeps) {}

  async stage<T>(name: Stage, label: string, work: () => Promise<T>): Promise<T> {
    this.deps.progress.stage(name, label);
    await this.deps.onStatus?.({ stage: name, state: 'started', timings: this.timings });
    const t0 = Date.now();
    try {
      const result = await work();
      this.deps.progress.update(1);
      this.timings.push({ stage: name, seconds: (Date.now() - t0) / 1000 });
      await this.deps.onStatus?.({ stage: name, state: 'finished', timings: this.timings });
      return result;
    } catch (err) {
      throw err instanceof StageError ? err : new StageError(name, err);
    }
  }

  warn(...lines: string[]): void {
    for (const line of lines) {
      this.deps.log.warn(line);
      this.warnings.push(line);
    }
  }

  elapsed(): number {
    return (Date.now() - this.startedAt) / 1000;
  }
}

