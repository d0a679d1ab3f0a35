import { setTimeout } from 'node:timers/promises';
import { z } from 'zod';
import { AbortedError, throwIfAborted } from '../../lib/errors.js';
import { PreconditionFailedError, type Store } from '../../lib/storage/index.js';

/**
 * A run's checkpoints: `<run>/work/` beside its outputs, shared by every task of the execution. Claims are create-only
 * writes (GCS `ifGenerationMatch=0`, an exclusive create on disk), so two tasks never take the same piece of work; a
 * claim names the task index, so a retried task (same index, next attempt) takes back what it had claimed. Results
 * are written as soon as they exist, so a crash costs only the piece that was running.
 *
 *   plan.claim.json       who plans (fetch, decode, VAD, chunks, speakers)
 *   plan.json             the plan: chunks, their audio, everything the finish needs; or why planning failed
 *   audio/<chunk>.wav     each chunk's speech-only audio
 *   audio/audio.opus      the listening copy transcript.html plays (html asked for), encoded by the planner
 *   listening.json        written once audio/audio.opus is stored, or says why it could not be made
 *   claims/<chunk>.json   who transcribes a chunk
 *   results/<chunk>.json  a chunk's ASR result
 *   speakers.json         who spoke when (mixed sessions), written by the planner while the others transcribe
 *   recap.json            the recap the finish wrote, kept so that a retried finish does not ask for it again
 *   finish.claim.json     who merges, renders, uploads and publishes
 *   tasks/<index>.json    each task's own status (status.json gathers them)
 */
export const WORK_FOLDER = 'work';

export const WORK_KEYS = {
  planClaim: 'plan.claim.json',
  plan: 'plan.json',
  speakers: 'speakers.json',
  finishClaim: 'finish.claim.json',
  recap: 'recap.json',
  audio: (unit: string) => `audio/${unit}.wav`,
  listening: 'audio/audio.opus',
  listeningDoc: 'listening.json',
  claim: (unit: string) => `claims/${unit}.json`,
  result: (unit: string) => `results/${unit}.json`,
  task: (index: number) => `tasks/${String(index).padStart(4, '0')}.json`,
} as const;

/** Where a task is: waiting for the plan, planning, finding the speakers, transcribing, finishing, or done. */
export const TASK_PHASES = ['waiting', 'plan', 'speakers', 'transcribe', 'finish', 'done'] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

export interface Claimant {
  task: number;
  attempt: number;
}

const ClaimSchema = z.object({ task: z.number().int().nonnegative(), attempt: z.number().int().nonnegative(), at: z.string().optional() });

/** The biggest JSON checkpoint read back (a 4-hour session's plan is a few MB). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export class WorkArea {
  constructor(
    readonly store: Store,
    private readonly parent?: Store,
  ) {}

  static of(output: Store): WorkArea {
    return new WorkArea(output.child(WORK_FOLDER), output);
  }

  /**
   * Takes `key` for `me`: true when the claim is new or was made by the same task index in an earlier attempt
   * (a retried task picks up its own work); false when another task holds it.
   */
  async claim(key: string, me: Claimant, now = new Date()): Promise<boolean> {
    try {
      await this.store.write(key, JSON.stringify({ ...me, at: now.toISOString() }), { ifAbsent: true, contentType: 'application/json' });
      return true;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
    const holder = await this.holder(key);
    return holder !== undefined && holder.task === me.task;
  }

  /** Who holds a claim; undefined when there is none or it cannot be read (an unreadable claim is still someone's). */
  async holder(key: string): Promise<Claimant | undefined> {
    const claim = await this.readJson(key, ClaimSchema);
    return claim ? { task: claim.task, attempt: claim.attempt } : undefined;
  }

  /**
   * Seconds since the task holding `claimKey` was last heard of (its claim, or its status document if newer);
   * undefined when nobody holds it. A planner silent for long has died without a word (killed, out of memory).
   */
  async silenceOf(claimKey: string, now = new Date()): Promise<{ task: number; seconds: number } | undefined> {
    const claim = await this.readJson(claimKey, ClaimSchema);
    if (!claim) return undefined;
    const status = await this.readJson(WORK_KEYS.task(claim.task), z.object({ updatedAt: z.string() }).passthrough());
    const heard = Math.max(Date.parse(claim.at ?? '') || 0, Date.parse(status?.updatedAt ?? '') || 0);
    return { task: claim.task, seconds: heard > 0 ? (now.getTime() - heard) / 1000 : Number.POSITIVE_INFINITY };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.store.stat(key)) !== undefined;
  }

  /** A checkpoint read back and checked; undefined when absent or unreadable. */
  async readJson<T>(key: string, schema: z.ZodType<T>, maxBytes = MAX_JSON_BYTES): Promise<T | undefined> {
    if (!(await this.store.stat(key))) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse((await this.store.read(key, { maxBytes })).toString('utf8'));
    } catch {
      return undefined;
    }
    const checked = schema.safeParse(parsed);
    return checked.success ? checked.data : undefined;
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await this.store.write(key, JSON.stringify(value), { contentType: 'application/json' });
  }

  /** Keys present under a sub-folder (e.g. which results exist), relative to the work area. */
  async keysUnder(prefix: string): Promise<Set<string>> {
    return new Set((await this.store.list(prefix)).map((o) => o.key));
  }

  /** Removes everything under `prefix` (the chunk audio once the run is done; the whole area for a fresh local run). */
  async clear(prefix?: string): Promise<void> {
    for (const o of await this.store.list(prefix)) await this.store.delete(o.key);
    if (prefix === undefined) await this.parent?.delete(WORK_FOLDER);
  }
}

/**
 * Waits for `probe` to give a value, polling with a backoff from `firstMs` doubling up to `maxMs` between tries, for
 * at most `totalMs`; undefined when the time is up. Aborts with the signal.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: { firstMs?: number; maxMs?: number; totalMs: number; signal?: AbortSignal; onWait?: (waitedMs: number) => void },
): Promise<T | undefined> {
  const started = Date.now();
  let delay = options.firstMs ?? 500;
  for (;;) {
    throwIfAborted(options.signal);
    const value = await probe();
    if (value !== undefined) return value;
    const waited = Date.now() - started;
    if (waited >= options.totalMs) return undefined;
    options.onWait?.(waited);
    await sleep(Math.min(delay, options.totalMs - waited), options.signal);
    delay = Math.min(options.maxMs ?? 30_000, delay * 2);
  }
}

/** Node's timer promise, with the project's AbortedError when the task is cancelled. */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await setTimeout(ms, undefined, { signal });
  } catch (err) {
    throw signal?.aborted ? new AbortedError() : err;
  }
}
