import { z } from 'zod';
import { CompletionMessageSchema, stageSchema, type CompletionMessage, type Stage } from '../lib/contracts/completion.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../lib/storage/index.js';
import type { Progress } from './progress.js';
import type { StageTiming } from './run.js';

/**
 * `status.json` beside a run's outputs: where the job is (stage, progress inside it, timings so far), so a person
 * can look at the bucket instead of the logs. Best effort: a failed write is logged and never fails the run.
 * It also keeps the completion message once the run is done, so a retried attempt republishes it instead of
 * transcribing the whole session again.
 */
export const STATUS_KEY = 'status.json';
export const RUN_STATES = ['running', 'retrying', 'succeeded', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const StatusSchema = z.object({
  version: z.literal(1),
  session: z.string(),
  runId: z.string(),
  state: z.enum(RUN_STATES),
  attempt: z.number().int().nonnegative(),
  execution: z.string().optional(),
  stage: stageSchema.optional(),
  progress: z.object({ stage: z.string(), fraction: z.number(), detail: z.string().optional() }).optional(),
  timings: z.array(z.object({ stage: stageSchema, seconds: z.number() })),
  startedAt: z.string(),
  updatedAt: z.string(),
  error: z.object({ stage: stageSchema, message: z.string() }).optional(),
  completion: CompletionMessageSchema.optional(),
});
export type StatusDocument = z.output<typeof StatusSchema>;

export interface StatusOptions {
  log: Logger;
  /** Progress updates are written at most this often; stage changes always are. Default 15 s. */
  minIntervalMs?: number;
  now?: () => Date;
}

export class StatusWriter {
  private doc: StatusDocument;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    run: { session: string; runId: string; attempt: number; execution?: string },
    private readonly options: StatusOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    const at = this.now().toISOString();
    this.doc = { version: 1, ...run, state: 'running', timings: [], startedAt: at, updatedAt: at };
  }

  /** What an earlier attempt of the same run left, if anything readable. */
  static async previous(store: Store): Promise<StatusDocument | undefined> {
    if (!(await store.stat(STATUS_KEY))) return undefined;
    const text = (await store.read(STATUS_KEY)).toString('utf8');
    try {
      const parsed = StatusSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  get current(): StatusDocument {
    return this.doc;
  }

  /** runSession's onStatus hook. */
  readonly onStatus = (status: { stage: Stage; state: 'started' | 'finished'; timings: StageTiming[] }): Promise<void> => {
    this.doc = { ...this.doc, stage: status.stage, timings: [...status.timings] };
    if (status.state === 'started') this.doc.progress = { stage: status.stage, fraction: 0 };
    return this.write(true);
  };

  /** Wraps the pipeline's progress display so that progress also reaches status.json. */
  tee(inner: Progress): Progress {
    return {
      stage: (name, label) => {
        inner.stage(name, label);
        this.doc.progress = { stage: name, fraction: 0 };
      },
      update: (fraction, detail) => {
        inner.update(fraction, detail);
        this.doc.progress = { stage: this.doc.progress?.stage ?? '', fraction: Math.min(1, Math.max(0, fraction)), ...(detail ? { detail } : {}) };
        void this.write(false);
      },
      stop: () => inner.stop(),
    };
  }

  async finish(state: Exclude<RunState, 'running'>, extra: { error?: { stage: Stage; message: string }; completion?: CompletionMessage } = {}): Promise<void> {
    const { error: _e, completion: _c, ...rest } = this.doc;
    this.doc = { ...rest, state, ...extra };
    await this.write(true);
  }

  /** Serialised, so an older document never lands after a newer one. */
  private write(force: boolean): Promise<void> {
    const now = this.now().getTime();
    if (!force && now - this.lastWrite < (this.options.minIntervalMs ?? 15_000)) return this.chain;
    this.lastWrite = now;
    const snapshot = JSON.stringify({ ...this.doc, updatedAt: new Date(now).toISOString() }, null, 2);
    this.chain = this.chain
      .then(() => this.store.write(STATUS_KEY, snapshot, { contentType: 'application/json' }))
      .then(
        () => undefined,
        (err) => this.options.log.warn(`Could not write ${this.store.uriOf(STATUS_KEY)}: ${errorMessage(err)}`),
      );
    return this.chain;
  }
}
