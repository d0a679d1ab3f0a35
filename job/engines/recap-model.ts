import { AbortedError, errorMessage } from '../../lib/errors.js';

/**
 * A language model that writes the session recap (job/stages/recap.ts): one request in, one JSON text out, with the
 * tokens it cost. Two implementations: Gemini on Vertex AI (recap-vertex.ts) and any OpenAI-compatible server
 * (recap-openai.ts). Every failure is a RecapModelError saying what kind it is, so that the stage knows which ones
 * are worth another try and can tell the group what to do; an abort stays an AbortedError.
 */
export interface RecapRequest {
  /** What the model is asked to do (the system instruction). */
  instructions: string;
  /** The material: the session's facts and its transcript, or the recaps of its parts. */
  input: string;
  /** JSON Schema the answer must follow. */
  schema: Record<string, unknown>;
  maxOutputTokens: number;
  signal?: AbortSignal;
}

export interface RecapAnswer {
  /** The answer's text: JSON when the model followed the schema. */
  text: string;
  tokensIn: number;
  /** Everything billed as output (thinking included). */
  tokensOut: number;
}

export interface RecapModel {
  readonly backend: 'vertex' | 'openai';
  readonly model: string;
  /** For the report and recap.md, e.g. "gemini-3.5-flash on Vertex AI (europe-west1)". */
  readonly description: string;
  generate(request: RecapRequest): Promise<RecapAnswer>;
}

export const RECAP_FAILURES = ['permission', 'not-found', 'quota', 'unavailable', 'network', 'refused', 'malformed', 'bad-request'] as const;
export type RecapFailure = (typeof RECAP_FAILURES)[number];

/** Worth another try: the same request may well succeed a little later. */
const TRANSIENT: ReadonlySet<RecapFailure> = new Set(['quota', 'unavailable', 'network', 'malformed']);

export class RecapModelError extends Error {
  override readonly name = 'RecapModelError';
  constructor(
    readonly kind: RecapFailure,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; spent?: { tokensIn: number; tokensOut: number } },
  ) {
    super(message, options);
    this.spent = options?.spent;
  }
  /** Tries made before giving up (set by whoever retried). */
  attempts = 1;
  /** Tokens billed for an answer that could not be used (a refusal or a cut-off answer still costs them). */
  readonly spent: { tokensIn: number; tokensOut: number } | undefined;
  get transient(): boolean {
    return TRANSIENT.has(this.kind);
  }
}

/** The kind of failure an HTTP status means. */
export function failureOfStatus(status: number): RecapFailure {
  if (status === 401 || status === 403) return 'permission';
  if (status === 404) return 'not-found';
  if (status === 429) return 'quota';
  if (status === 408 || status >= 500) return 'unavailable';
  return 'bad-request';
}

/**
 * An SDK's error as a RecapModelError: an HTTP status when the server answered, 'network' when it could not be
 * reached (fetch's "fetch failed", a refused connection, a timeout). An abort by the caller is re-thrown as such.
 */
export function recapFailure(err: unknown, status: number | undefined, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return new AbortedError();
  if (err instanceof RecapModelError) return err;
  if (status !== undefined) return new RecapModelError(failureOfStatus(status), `${status}: ${shortMessage(err)}`, status, { cause: err });
  return new RecapModelError('network', networkMessage(err), undefined, { cause: err });
}

/** "fetch failed" says nothing: the cause (ECONNREFUSED 127.0.0.1:9) does. */
function networkMessage(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail = cause ? errorMessage(cause) : '';
  const message = errorMessage(err);
  return [message, typeof code === 'string' && !detail.includes(code) ? code : '', detail && detail !== message ? detail : ''].filter(Boolean).join(': ');
}

/** Error bodies from Google are JSON ({"error":{"code":403,"message":…,"status":…}}): their message is what matters. */
function shortMessage(err: unknown): string {
  const text = errorMessage(err);
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; status?: unknown } };
    if (body.error && typeof body.error.message === 'string') {
      return `${typeof body.error.status === 'string' ? `${body.error.status}: ` : ''}${body.error.message}`.slice(0, 500);
    }
  } catch {
    // not JSON: the text as it is
  }
  return text.slice(0, 500);
}
