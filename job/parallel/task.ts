import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, InputError, throwIfAborted } from '../../lib/errors.js';
import type { Stage } from '../../lib/contracts/completion.js';
import type { AsrResult } from '../engines/asr.js';
import { finishSession, type RunOutcome } from '../finish.js';
import { listeningPath, planSession, rehearMixed, speakersOf } from '../plan.js';
import { noListening, startListening, type Listening } from '../stages/listen.js';
import { RunContext, StageError } from '../run-context.js';
import type { RunDeps, RunSettings } from '../run.js';
import { asrOptions } from '../settings.js';
import { retryLoops } from '../stages/loops.js';
import { buildPrompt } from '../stages/prompt.js';
import { ListeningSchema, PlanFileSchema, SpeakersSchema, UnitResultSchema, type FailedPlan, type ListeningDoc, type PlanDoc, type PlanUnit, type SpeakersDoc, type UnitResult } from './checkpoints.js';
import { waitFor, WORK_KEYS, type Claimant, type TaskPhase, type WorkArea } from './work.js';

/**
 * One task of a run, through the phases it can take part in (job/parallel/work.ts holds the checkpoints):
 *   plan       the first task to claim it fetches, decodes, finds the speech and writes the chunks' audio and the
 *              plan; then (mixed sessions) it finds the speakers while the others transcribe;
 *   transcribe every task takes unclaimed chunks one at a time (a retried task first takes back its own), and writes
 *              each result as soon as it exists;
 *   finish     the task that finds every result written claims the finish: merge, names, glossary, outputs.
 * The others wait for the plan with a bounded backoff, and leave when there is nothing left for them. One task runs
 * the same phases without waiting (a local run, or a job of one task), and gives the same transcript as N tasks.
 */
export type { TaskPhase } from './work.js';

export interface TaskIdentity {
  index: number;
  count: number;
  attempt: number;
  /** Cloud Run will not try this task again. */
  lastAttempt: boolean;
}

export interface TaskOptions {
  task: TaskIdentity;
  /** Whisper processes at once in this task (local `--jobs`); the threads are split between them. Default 1. */
  jobs?: number;
  /** How long to wait for the plan (and the speakers at the finish); default 6 h, beyond any task's timeout. */
  waitMs?: number;
  /** A planner not heard of for this long (claim or status document) has died: waiting tasks leave. Default 15 min. */
  plannerSilenceMs?: number;
  /** Where the task is, for status.json. */
  onPhase?: (phase: TaskPhase, detail?: { chunk?: string; chunksDone?: number }) => void;
}

export type TaskOutcome =
  | { role: 'finished'; outcome: RunOutcome; chunksDone: number }
  /** Transcribed what it could; another task finishes. */
  | { role: 'helped'; chunksDone: number }
  /** Planning failed (the planner reports it): nothing to do. */
  | { role: 'idle'; reason: string };

const DEFAULT_WAIT_MS = 6 * 3600 * 1000;
const DEFAULT_PLANNER_SILENCE_MS = 15 * 60 * 1000;

export async function runTask(settings: RunSettings, deps: RunDeps, work: WorkArea, options: TaskOptions): Promise<TaskOutcome> {
  // The planner's audio encoder runs beside the other phases; whatever happens, it does not outlive the task.
  const encoder: { listening?: Listening } = {};
  try {
    return await runPhases(settings, deps, work, options, encoder);
  } finally {
    await encoder.listening?.stop();
  }
}

async function runPhases(settings: RunSettings, deps: RunDeps, work: WorkArea, options: TaskOptions, encoder: { listening?: Listening }): Promise<TaskOutcome> {
  const { task } = options;
  const me: Claimant = { task: task.index, attempt: task.attempt };
  const run = new RunContext(deps);
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;

  let plan = await work.readJson(WORK_KEYS.plan, PlanFileSchema);
  let forSpeakers: { pcmPath: string; regions: PlanDoc['lanes'][number]['kept'] } | undefined;
  if (!plan) {
    if (await work.claim(WORK_KEYS.planClaim, me)) {
      options.onPhase?.('plan');
      try {
        const planned = await planSession(run, { ...settings, tasks: settings.tasks ?? task.count }, deps, async (unit, wav) => {
          await work.store.upload(wav, WORK_KEYS.audio(unit.id), { contentType: 'audio/wav' });
        });
        encoder.listening = planned.listening;
        await work.writeJson(WORK_KEYS.plan, planned.doc);
        plan = planned.doc;
        forSpeakers = planned.forSpeakers;
      } catch (err) {
        // Waiting tasks must learn that no plan is coming: bad input, or this task's last try.
        if (isInputError(err) || task.lastAttempt) await work.writeJson(WORK_KEYS.plan, failedPlan(err)).catch(() => undefined);
        throw err;
      }
    } else {
      options.onPhase?.('waiting');
      deps.log.info(`Task ${task.index}: waiting for the plan`);
      const silentMs = options.plannerSilenceMs ?? DEFAULT_PLANNER_SILENCE_MS;
      plan = await waitFor(
        async () => {
          const found = await work.readJson(WORK_KEYS.plan, PlanFileSchema);
          if (found) return found;
          // A planner that died without a word (killed, out of memory) writes nothing more: leave instead of waiting.
          const silence = await work.silenceOf(WORK_KEYS.planClaim);
          if (silence && silence.seconds * 1000 > silentMs) {
            throw new Error(`The planning task (task ${silence.task}) has not been heard of for ${Math.round(silence.seconds / 60)} min: it stopped without a word (see its logs)`);
          }
          return undefined;
        },
        // Polled at most every 5 s: a stat of one object, and the tasks start transcribing soon after the plan.
        { totalMs: waitMs, maxMs: 5_000, signal: deps.signal },
      );
      if (!plan) throw new Error(`No plan after ${Math.round(waitMs / 60_000)} min: the planning task did not finish (see its logs)`);
    }
  }
  if (plan.state === 'failed') {
    deps.log.info(`Task ${task.index}: planning failed (${plan.error.stage}: ${plan.error.message}); the planning task reports it`);
    return { role: 'idle', reason: plan.error.message };
  }
  const ready = plan;

  // The speakers and the listening copy need the whole session's audio, which only the planner holds (a retried
  // planner decodes it again).
  const planner = (await work.holder(WORK_KEYS.planClaim))?.task === task.index;
  const needsSpeakers = ready.diarize && planner && !(await work.exists(WORK_KEYS.speakers));
  const needsListening = ready.listening === true && planner && !encoder.listening && !(await work.exists(WORK_KEYS.listeningDoc));
  if ((needsSpeakers || needsListening) && !forSpeakers && ready.facts.mode.mode === 'mixed') {
    forSpeakers = { pcmPath: await rehearMixed(run, deps), regions: ready.lanes[0]!.kept };
  }
  if (needsListening) {
    if (forSpeakers) encoder.listening = startListening(deps.tools, [forSpeakers.pcmPath], listeningPath(deps.workDir), deps.signal);
    // A multitrack planner that was retried has its tracks no more: the page goes without its sound.
    else await work.writeJson(WORK_KEYS.listeningDoc, { version: 1, state: 'failed', problem: 'the planning task was retried after the tracks were decoded' } satisfies ListeningDoc);
  }
  if (needsSpeakers) {
    options.onPhase?.('speakers');
    await work.writeJson(WORK_KEYS.speakers, await speakersOf(run, settings, deps, ready.context, forSpeakers!));
  }
  // The encoder goes on while this task transcribes; the decoded audio is removed once it is done.
  const removeDecoded = async () => {
    if (forSpeakers) await rm(forSpeakers.pcmPath, { force: true });
  };
  if (!encoder.listening) await removeDecoded();

  options.onPhase?.('transcribe');
  const chunksDone = await transcribePhase(run, settings, deps, work, ready, me, options);
  if (encoder.listening) {
    await storeListening(work, encoder.listening, deps);
    encoder.listening = undefined;
    await removeDecoded();
  }

  const present = await work.keysUnder('results/');
  const missing = ready.units.filter((u) => !present.has(WORK_KEYS.result(u.id)));
  if (missing.length > 0) {
    deps.log.info(`Task ${task.index}: ${chunksDone} chunk(s) transcribed; ${missing.length} still with other tasks, one of which finishes the run`);
    options.onPhase?.('done', { chunksDone });
    return { role: 'helped', chunksDone };
  }
  if (!(await work.claim(WORK_KEYS.finishClaim, me))) {
    options.onPhase?.('done', { chunksDone });
    return { role: 'helped', chunksDone };
  }
  options.onPhase?.('finish', { chunksDone });
  const speakers = ready.diarize ? await waitFor(() => work.readJson(WORK_KEYS.speakers, SpeakersSchema), { totalMs: waitMs, signal: deps.signal }) : undefined;
  if (ready.diarize && !speakers) throw new StageError('speakers', new Error('The speakers did not arrive: the planning task did not finish (see its logs)'));
  const results = await readResults(work, ready);
  const sound = ready.listening ? await fetchListening(work, deps, { waitMs, silentMs: options.plannerSilenceMs ?? DEFAULT_PLANNER_SILENCE_MS }) : undefined;
  // The finish times its own stages; the plan's are in the plan, the transcription's is the time in between.
  const outcome = await finishSession(new RunContext(deps), settings, deps, ready, results, speakers satisfies SpeakersDoc | undefined, work, sound);
  options.onPhase?.('done', { chunksDone });
  return { role: 'finished', outcome, chunksDone };
}

/**
 * Takes chunks while any is unclaimed: its own earlier claims first (a retried task resumes where it died), then the
 * rest, starting at a place of its own so that tasks rarely race for the same claim. `jobs` chunks at once.
 */
async function transcribePhase(run: RunContext, settings: RunSettings, deps: RunDeps, work: WorkArea, plan: PlanDoc, me: Claimant, options: TaskOptions): Promise<number> {
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, plan.units.length));
  const base = asrOptions(settings, deps);
  const budget = deps.asr.promptBudget?.();
  const threads = Math.max(1, Math.floor(settings.threads / jobs));
  const start = Math.floor((me.task * plan.units.length) / Math.max(1, options.task.count));
  const order = [...plan.units.slice(start), ...plan.units.slice(0, start)];
  const done = await work.keysUnder('results/');
  const total = plan.units.length;
  let finished = done.size;
  let mine = 0;
  let cursor = 0;
  const fractions = new Map<string, number>();
  const show = (unit?: string) => deps.progress.update(Math.min(1, (finished + [...fractions.values()].reduce((a, b) => a + b, 0)) / Math.max(1, total)), unit);

  const next = async (): Promise<PlanUnit | undefined> => {
    while (cursor < order.length) {
      const unit = order[cursor++]!;
      if (done.has(WORK_KEYS.result(unit.id)) || (await work.exists(WORK_KEYS.result(unit.id)))) continue;
      if (await work.claim(WORK_KEYS.claim(unit.id), me)) return unit;
    }
    return undefined;
  };
  // The text of the chunks this task transcribed, for the next chunk's prompt without reading it back.
  const heard = new Map<string, string>();
  const worker = async () => {
    for (let unit = await next(); unit; unit = await next()) {
      throwIfAborted(deps.signal);
      options.onPhase?.('transcribe', { chunk: unit.id, chunksDone: mine });
      const wav = join(deps.workDir, `${unit.id}.wav`);
      const t0 = Date.now();
      try {
        await work.store.download(WORK_KEYS.audio(unit.id), wav);
        const prompt = buildPrompt(plan.context, settings.language.primary, { budget, previousText: await previousText(work, plan, unit, heard) });
        const first = await deps.asr.transcribe(wav, {
          ...base,
          prompt: prompt.text,
          threads,
          onProgress: (f) => {
            fractions.set(unit.id, f);
            show(unit.id);
          },
        });
        const { result, retries } = await retryLoops(wav, first, (span) => deps.asr.transcribe(span, { ...base, threads, fresh: true }), join(deps.workDir, unit.id));
        const checkpoint: UnitResult = {
          version: 1,
          unit: unit.id,
          result,
          task: me.task,
          attempt: me.attempt,
          seconds: (Date.now() - t0) / 1000,
          prompt: { tokens: prompt.tokens, budget: prompt.budget, leftOut: prompt.leftOut },
          ...(retries.length > 0 ? { retries } : {}),
        };
        await work.writeJson(WORK_KEYS.result(unit.id), checkpoint);
        heard.set(unit.id, textOf(result));
      } finally {
        await rm(wav, { force: true });
      }
      fractions.delete(unit.id);
      finished++;
      mine++;
      show(unit.id);
    }
  };
  await run.stage('asr', 'Transcribe', async () => {
    show();
    // Every worker ends before a failure is reported: no whisper process outlives the task's scratch folder.
    const settled = await Promise.allSettled(Array.from({ length: jobs }, worker));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return mine;
}

/**
 * The text of the chunk before this one on the same lane, when its result is already written (always with one task;
 * with several, when that chunk was done first): the names it holds go first into this chunk's prompt.
 */
async function previousText(work: WorkArea, plan: PlanDoc, unit: PlanUnit, heard: ReadonlyMap<string, string>): Promise<string | undefined> {
  const lane = plan.units.filter((u) => u.lane === unit.lane);
  const before = lane[lane.findIndex((u) => u.id === unit.id) - 1];
  if (!before) return undefined;
  if (heard.has(before.id)) return heard.get(before.id);
  const doc = await work.readJson(WORK_KEYS.result(before.id), UnitResultSchema);
  return doc ? textOf(doc.result) : undefined;
}

const textOf = (result: AsrResult) => result.segments.map((s) => s.text).join(' ');

async function readResults(work: WorkArea, plan: PlanDoc): Promise<Map<string, UnitResult>> {
  const results = new Map<string, UnitResult>();
  for (const unit of plan.units) {
    const doc = await work.readJson(WORK_KEYS.result(unit.id), UnitResultSchema);
    if (!doc) throw new Error(`The result of ${unit.id} cannot be read back from ${work.store.uriOf(WORK_KEYS.result(unit.id))}`);
    results.set(unit.id, doc);
  }
  return results;
}

/**
 * The planner's listening copy into the work area once its encoder is done, then the document that says so (or why
 * there is none): the finishing task waits for that document.
 */
async function storeListening(work: WorkArea, listening: Listening, deps: RunDeps): Promise<void> {
  const made = await listening.wait();
  let doc: ListeningDoc;
  if ('path' in made) {
    await work.store.upload(made.path, WORK_KEYS.listening, { contentType: 'audio/ogg' });
    await rm(made.path, { force: true });
    doc = { version: 1, state: 'ready' };
  } else {
    deps.log.warn(noListening(made.problem));
    doc = { version: 1, state: 'failed', problem: made.problem };
  }
  await work.writeJson(WORK_KEYS.listeningDoc, doc);
}

/**
 * The listening copy, on this task's disk for the finish, once the planner has stored it; or why there is none (its
 * encoder failed, the planner stopped without a word, the copy cannot be read back): the page then goes without.
 */
async function fetchListening(work: WorkArea, deps: RunDeps, limits: { waitMs: number; silentMs: number }): Promise<{ path: string } | { problem: string }> {
  const doc = await waitFor(
    async (): Promise<ListeningDoc | undefined> => {
      const found = await work.readJson(WORK_KEYS.listeningDoc, ListeningSchema);
      if (found) return found;
      const silence = await work.silenceOf(WORK_KEYS.planClaim);
      if (silence && silence.seconds * 1000 > limits.silentMs) return { version: 1, state: 'failed', problem: `the planning task (task ${silence.task}) stopped before storing it` };
      return undefined;
    },
    { totalMs: limits.waitMs, maxMs: 5_000, signal: deps.signal },
  );
  if (!doc) return { problem: `it did not arrive in ${Math.round(limits.waitMs / 60_000)} min` };
  if (doc.state === 'failed') return { problem: doc.problem ?? 'unknown' };
  const path = join(deps.workDir, 'listening', 'audio.opus');
  try {
    await work.store.download(WORK_KEYS.listening, path);
    return { path };
  } catch (err) {
    return { problem: `it cannot be read back from ${work.store.uriOf(WORK_KEYS.listening)}: ${errorMessage(err)}` };
  }
}

function isInputError(err: unknown): boolean {
  return err instanceof InputError || (err instanceof StageError && err.isInputError);
}

function failedPlan(err: unknown): FailedPlan {
  const stage: Stage = err instanceof StageError ? err.stage : 'fetch';
  return { version: 1, state: 'failed', error: { stage, message: errorMessage(err instanceof StageError ? err.cause : err) } };
}
