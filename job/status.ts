import { z } from 'zod';
import { CompletionMessageSchema, stageSchema, type CompletionMessage, type Stage } from '../lib/contracts/completion.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../lib/storage/index.js';
import type { Progress } from './progress.js';
import type { StageTiming } from './run.js';
import { TASK_PHASES, WorkArea, WORK_KEYS } from './parallel/work.js';
import { roundTo } from './round.js';

/**
 * `status.json` beside a run's outputs: where the job is (stage, progress inside it, timings so far), so a person
 * can look at the bucket instead of the logs. Best effort: a failed write is logged and never fails the run.
 * It also keeps the completion message once the run is done, so a retried attempt republishes it instead of
 * transcribing the whole session again.
 */
export const STATUS_KEY = 'status.json';
export const RUN_STATES = ['running', 'retrying', 'succeeded', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** One task of the run, as it last said (work/tasks/<index>.json). */
export const TaskStatusSchema = z.object({
  index: z.number().int().nonnegative(),
  attempt: z.number().int().nonnegative(),
  phase: z.enum([...TASK_PHASES, 'failed']),
  chunk: z.string().optional(),
  chunksDone: z.number().int().nonnegative(),
  stage: z.string().optional(),
  fraction: z.number().optional(),
  updatedAt: z.string(),
});
export type TaskStatus = z.output<typeof TaskStatusSchema>;

/** status.json gathers at most this many task documents. */
const MAX_LISTED_TASKS = 1000;
/** A task document is a few hundred bytes. */
const TASK_DOC_BYTES = 64 * 1024;

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
  /** Every task of the execution (phase, chunk, progress, attempt), when the run has parallel tasks. */
  tasks: z.array(TaskStatusSchema).optional(),
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
  private task: TaskStatus | undefined;
  private readonly work: WorkArea;

  constructor(
    private readonly store: Store,
    run: { session: string; runId: string; attempt: number; execution?: string; task?: { index: number; count: number } },
    private readonly options: StatusOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    const at = this.now().toISOString();
    const { task, ...identity } = run;
    this.doc = { version: 1, ...identity, state: 'running', timings: [], startedAt: at, updatedAt: at };
    this.work = WorkArea.of(store);
    if (task && task.count > 1) this.task = { index: task.index, attempt: run.attempt, phase: 'waiting', chunksDone: 0, updatedAt: at };
  }

  /** runTask's onPhase hook: where this task is. */
  readonly onPhase = (phase: TaskStatus['phase'], detail: { chunk?: string; chunksDone?: number } = {}): void => {
    if (!this.task) return;
    const { chunk: _c, ...rest } = this.task;
    this.task = { ...rest, phase, ...(detail.chunk ? { chunk: detail.chunk } : {}), chunksDone: detail.chunksDone ?? this.task.chunksDone };
    void this.write(true);
  };

  /** This task has nothing left to do (another one finishes the run). */
  async taskDone(): Promise<void> {
    this.onPhase('done');
    await this.chain;
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
        if (this.task) this.task = { ...this.task, stage: this.doc.progress.stage, fraction: roundTo(this.doc.progress.fraction, 3) };
        void this.write(false);
      },
      stop: () => inner.stop(),
    };
  }

  async finish(state: Exclude<RunState, 'running'>, extra: { error?: { stage: Stage; message: string }; completion?: CompletionMessage; timings?: StageTiming[] } = {}): Promise<void> {
    const { error: _e, completion: _c, ...rest } = this.doc;
    this.doc = { ...rest, state, ...extra };
    if (this.task) this.task = { ...this.task, phase: state === 'succeeded' ? 'done' : 'failed' };
    await this.write(true);
  }

  /**
   * Serialised, so an older document never lands after a newer one. With parallel tasks, each writes its own
   * work/tasks/<index>.json, then status.json with every task's latest; a finished run's status.json is never
   * overwritten by a task that is still leaving.
   */
  private write(force: boolean): Promise<void> {
    const now = this.now().getTime();
    if (!force && now - this.lastWrite < (this.options.minIntervalMs ?? 15_000)) return this.chain;
    this.lastWrite = now;
    const updatedAt = new Date(now).toISOString();
    const doc: StatusDocument = { ...this.doc, updatedAt };
    const task = this.task ? { ...this.task, updatedAt } : undefined;
    this.chain = this.chain
      .then(async () => {
        if (!task) return this.store.write(STATUS_KEY, JSON.stringify(doc, null, 2), { contentType: 'application/json' });
        await this.work.writeJson(WORK_KEYS.task(task.index), task);
        if (doc.state !== 'succeeded' && (await StatusWriter.previous(this.store))?.state === 'succeeded') return;
        const tasks = await this.gatherTasks();
        return this.store.write(STATUS_KEY, JSON.stringify({ ...doc, tasks }, null, 2), { contentType: 'application/json' });
      })
      .then(
        () => undefined,
        (err) => this.options.log.warn(`Could not write ${this.store.uriOf(STATUS_KEY)}: ${errorMessage(err)}`),
      );
    return this.chain;
  }

  private async gatherTasks(): Promise<TaskStatus[]> {
    const keys = [...(await this.work.keysUnder('tasks/'))].slice(0, MAX_LISTED_TASKS);
    const tasks: TaskStatus[] = [];
    for (const key of keys) {
      // A document being rewritten reads as absent: the next write picks it up.
      const task = await this.work.readJson(key, TaskStatusSchema, TASK_DOC_BYTES);
      if (task) tasks.push(task);
    }
    return tasks.sort((a, b) => a.index - b.index);
  }
}
