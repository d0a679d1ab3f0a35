import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, errorMessage } from '../../lib/errors.js';
import { RecapModelError, type RecapModel } from '../engines/recap-model.js';
import { parseRecapAnswer, RECAP_SCHEMA, type RecapDraft } from '../recap/answer.js';
import { estimateCost } from '../recap/cost.js';
import { estimateTokens, recapInstructions, redact, sessionFacts, TRANSCRIPT_HEADING, transcriptLines, type SessionFacts } from '../recap/prompt.js';
import { verifyRecap, type Dropped } from '../recap/verify.js';
import { clock, type Recap, type Segment } from '../transcript.js';

/**
 * The recap stage (opt-in): the named transcript, with the session's players, characters and glossary, goes to a
 * language model in one request when it fits the model's context window, otherwise by parts (each part's recap,
 * then a recap of those); the answer is checked against the transcript (job/recap/verify.ts). It never fails a
 * run: a refusal, a quota, a network or permission problem, an answer that is not the recap asked for, each ends
 * as `status: 'failed'` with a reason that says what to do, after at most `retry.attempts` tries of a request that
 * may succeed later, `retry.delayMs` apart, doubling. An abort (Ctrl-C, SIGTERM) still stops the run.
 *
 * Retries are written here rather than left to the SDKs: one policy for both backends, and it covers an answer
 * that parses badly, which the SDKs cannot judge.
 */
export interface RecapSettings {
  /** The language the recap is written in: the session's main language. */
  language: string;
  /** Input tokens the model takes at once. */
  contextTokens: number;
  retry: { attempts: number; delayMs: number };
}

export interface RecapUsage {
  requests: number;
  /** Parts the transcript was cut into (1: all of it in one request). */
  parts: number;
  tokensIn: number;
  tokensOut: number;
}

export interface RecapOutcome {
  status: 'written' | 'failed' | 'skipped';
  recap?: Recap;
  /** Which model, where. */
  model: string;
  usage: RecapUsage;
  /** Estimated from the tokens and the model's list price; absent when no price is known. */
  costUsd?: number;
  dropped: Dropped;
  /** Why there is no recap, for the report and the email. */
  reason?: string;
}

export type RecapInput = SessionFacts & { segments: readonly Segment[] };

/** More parts than this is a window too small for the session: say so rather than send a hundred requests. */
export const MAX_RECAP_PARTS = 20;
const MAX_RETRY_DELAY_MS = 60_000;

export async function writeRecap(input: RecapInput, model: RecapModel, settings: RecapSettings, signal?: AbortSignal): Promise<RecapOutcome> {
  const usage: RecapUsage = { requests: 0, parts: 0, tokensIn: 0, tokensOut: 0 };
  const dropped: Dropped = { quotes: 0, times: 0 };
  const done = (status: RecapOutcome['status'], extra: Partial<RecapOutcome> = {}): RecapOutcome => {
    const costUsd = estimateCost(model.backend, model.model, usage);
    return { status, model: model.description, usage, dropped, ...(costUsd !== undefined ? { costUsd } : {}), ...extra };
  };
  const lines = transcriptLines(input.segments);
  if (lines.length === 0) return done('skipped', { reason: 'no speech was transcribed, so there is nothing to recap' });

  const plan = planRequests(input, lines.map((l) => l.line), settings);
  if ('problem' in plan) return done('failed', { reason: plan.problem });
  usage.parts = plan.parts.length;
  const about = { language: settings.language, model: model.description };
  const ask = async (instructions: string, text: string): Promise<RecapDraft> =>
    askWithRetries(model, { instructions, input: text, schema: RECAP_SCHEMA, maxOutputTokens: plan.maxOutputTokens, signal }, settings.retry, usage);
  try {
    let draft: RecapDraft;
    if (plan.parts.length === 1) {
      draft = await ask(plan.instructions, plan.parts[0]!);
    } else {
      // Each part's recap is checked before the merge reads it, so that the merge cannot carry an invented line on.
      const recaps: string[] = [];
      for (const part of plan.parts) {
        const checked = verifyRecap(await ask(plan.instructions, part), input, about);
        add(dropped, checked.dropped);
        recaps.push(JSON.stringify(asDraft(checked.recap)));
      }
      draft = await mergeAll(recaps, (merged) => ask(mergeInstructions(settings.language), merged), plan);
    }
    const checked = verifyRecap(draft, input, about);
    add(dropped, checked.dropped);
    return done('written', { recap: checked.recap });
  } catch (err) {
    if (err instanceof AbortedError) throw err;
    return done('failed', { reason: failureReason(err, model) });
  }
}

interface RequestPlan {
  instructions: string;
  /** The input of each request on the transcript. */
  parts: string[];
  maxOutputTokens: number;
  /** Input tokens a request may carry. */
  budget: number;
  facts: string;
}

/** All of the transcript in one request when it fits, else parts that each fit, every part with the session's facts. */
function planRequests(input: RecapInput, lines: string[], settings: RecapSettings): RequestPlan | { problem: string } {
  const window = settings.contextTokens;
  const maxOutputTokens = Math.max(512, Math.min(32_768, Math.floor(window / 4)));
  const instructions = recapInstructions(settings.language);
  const facts = sessionFacts(input);
  const budget = window - maxOutputTokens - estimateTokens(instructions) - estimateTokens(JSON.stringify(RECAP_SCHEMA)) - 100;
  const whole = `${facts}\n\n${TRANSCRIPT_HEADING}\n${lines.join('\n')}`;
  const tooSmall = (n: number) =>
    `a context window of ${window} tokens is too small for this session (${Number.isFinite(n) ? `it would take ${n} parts, at most ${MAX_RECAP_PARTS}` : 'the instructions alone fill it'}): give the model's real window with --recap-context-tokens (RECAP_CONTEXT_TOKENS), or use a model with a larger one`;
  if (estimateTokens(whole) <= budget) return { instructions, parts: [whole], maxOutputTokens, budget, facts };

  const partHead = (k: number, n: number, from: number, to: number) =>
    `${facts}\n\nThis is part ${k} of ${n} of the session, from ${clock(from)} to ${clock(to)}: recap this part only.\n\n${TRANSCRIPT_HEADING}\n`;
  const room = budget - estimateTokens(partHead(99, 99, 86_399, 86_399));
  if (room < 200) return { problem: tooSmall(Infinity) };
  const groups: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const raw of lines) {
    // A turn longer than a whole part (a two-minute monologue in a tiny window) is cut to fit.
    const line = estimateTokens(raw) > room ? `${raw.slice(0, room * 3 - 2)}…` : raw;
    const cost = estimateTokens(`${line}\n`);
    if (current.length > 0 && used + cost > room) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(line);
    used += cost;
  }
  if (current.length > 0) groups.push(current);
  if (groups.length > MAX_RECAP_PARTS) return { problem: tooSmall(groups.length) };
  const times = groups.map((g) => g.map((l) => timeOfLine(l)));
  const parts = groups.map((g, i) => `${partHead(i + 1, groups.length, Math.min(...times[i]!), Math.max(...times[i]!))}${g.join('\n')}`);
  return { instructions, parts, maxOutputTokens, budget, facts };
}

function timeOfLine(line: string): number {
  const m = /^\[(\d+):(\d\d):(\d\d)\]/.exec(line);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : 0;
}

function mergeInstructions(language: string): string {
  return `${recapInstructions(language)}\n\nYou are given the recaps of consecutive parts of one session, in order, as JSON. Combine them into the recap of the whole session, following the same schema: keep the times of events and quotes, and the quotes' exact words, as they are; merge what the parts repeat (characters, places, items); leave out the threads a later part resolves; the paragraph tells the whole session.`;
}

/** Merges the parts' recaps, in batches that fit a request, until one is left. */
async function mergeAll(recaps: string[], merge: (text: string) => Promise<RecapDraft>, plan: RequestPlan): Promise<RecapDraft> {
  const head = `${plan.facts}\n\nRecaps of the consecutive parts of the session, in order:\n`;
  let level = recaps;
  for (;;) {
    const batches: string[][] = [];
    let current: string[] = [];
    for (const r of level) {
      if (current.length > 0 && estimateTokens(head + [...current, r].join('\n')) > plan.budget) {
        batches.push(current);
        current = [];
      }
      current.push(r);
    }
    batches.push(current);
    if (batches.length > 1 && batches.every((b) => b.length === 1)) {
      throw new RecapModelError('bad-request', `the parts' recaps do not fit the context window together (${plan.budget} tokens of input)`);
    }
    const merged: RecapDraft[] = [];
    for (const batch of batches) merged.push(batch.length === 1 && batches.length > 1 ? (JSON.parse(batch[0]!) as RecapDraft) : await merge(head + batch.map((r, i) => `Part ${i + 1}: ${r}`).join('\n')));
    if (merged.length === 1) return merged[0]!;
    level = merged.map((d) => JSON.stringify(d));
  }
}

/** A checked recap as the model's own shape (times as H:MM:SS), for the merge to read. */
function asDraft(recap: Recap): RecapDraft {
  return {
    previously: recap.previously,
    events: recap.events.map((e) => ({ time: clock(Math.floor(e.time)), text: e.text })),
    characters: recap.characters,
    places: recap.places,
    items: recap.items,
    threads: recap.threads,
    quotes: recap.quotes.map((q) => ({ time: clock(Math.floor(q.time)), speaker: q.speaker, text: q.text })),
  };
}

async function askWithRetries(model: RecapModel, request: Parameters<RecapModel['generate']>[0], retry: RecapSettings['retry'], usage: RecapUsage): Promise<RecapDraft> {
  for (let attempt = 1; ; attempt++) {
    usage.requests++;
    try {
      const answer = await model.generate(request);
      usage.tokensIn += answer.tokensIn;
      usage.tokensOut += answer.tokensOut;
      return parseRecapAnswer(answer.text);
    } catch (err) {
      if (err instanceof RecapModelError && err.spent) {
        usage.tokensIn += err.spent.tokensIn;
        usage.tokensOut += err.spent.tokensOut;
      }
      const transient = err instanceof RecapModelError && err.transient;
      if (err instanceof RecapModelError) err.attempts = attempt;
      if (!transient || attempt >= retry.attempts) throw err;
      try {
        await sleep(Math.min(MAX_RETRY_DELAY_MS, retry.delayMs * 2 ** (attempt - 1)), undefined, { signal: request.signal });
      } catch {
        throw new AbortedError();
      }
    }
  }
}

function add(total: Dropped, more: Dropped): void {
  total.quotes += more.quotes;
  total.times += more.times;
}

/** What went wrong, and what to do about it, for a player reading the report or the email. */
function failureReason(err: unknown, model: RecapModel): string {
  if (!(err instanceof RecapModelError)) return `the recap failed unexpectedly (${redact(errorMessage(err)).slice(0, 300)})`;
  const detail = redact(err.message).slice(0, 400);
  const after = err.attempts > 1 ? ` after ${err.attempts} tries` : '';
  const vertex = model.backend === 'vertex';
  const service = vertex ? 'Vertex AI' : `the server of ${model.description}`;
  switch (err.kind) {
    case 'permission':
      return vertex
        ? `Vertex AI refused the request (${detail}): the account the job runs as needs roles/aiplatform.user on the project and the Vertex AI API enabled (\`make deploy\` grants both; locally, \`gcloud auth application-default login\` with such an account)`
        : `the server refused the request (${detail}): set RECAP_API_KEY to a key it accepts`;
    case 'not-found':
      return vertex
        ? `Vertex AI has no model ${model.model} here (${detail}): set recap_model (RECAP_MODEL) to a model this location offers, or recap_location (RECAP_LOCATION) to "global"`
        : `the server has no model ${model.model} (${detail}): give a model it serves with --recap-model (for Ollama, \`ollama pull ${model.model}\` first)`;
    case 'quota':
      return `${service} answered that the quota is used up (${detail})${after}: upload _READY again later for a new run with the recap${vertex ? ', or ask for more Vertex AI quota in the console' : ''}`;
    case 'unavailable':
      return `${service} was unavailable (${detail})${after}: try again later`;
    case 'network':
      return `${service} could not be reached (${detail})${after}: check the network${vertex ? '' : ' and that the server runs at the --recap-url (RECAP_URL) given'}, then try again`;
    case 'refused':
      return `the model declined to recap this session (${detail})`;
    case 'malformed':
      return `the model's answer was not the recap asked for (${detail})${after}${vertex ? '' : ': a larger model, or a server that supports response_format json_schema, may do better'}`;
    case 'bad-request':
      return `${service} refused the request (${detail})`;
  }
}
