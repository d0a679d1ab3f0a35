/**
 * Loopback language-model servers speaking the two wire formats the recap uses, for the real SDKs to talk to:
 * - Vertex AI's REST `generateContent` (what `@google/genai` calls with `vertexai: true`):
 *   POST /v1beta1/projects/P/locations/L/publishers/google/models/M:generateContent, `Authorization: Bearer …`,
 *   a GenerateContentResponse or a google.rpc.Status error `{error: {code, message, status}}`;
 * - OpenAI's POST /v1/chat/completions, a ChatCompletion or `{error: {message, type, code}}`.
 * Each records what it received. Replies queued with `queue()` go first, then `answer` decides (by default, a
 * recap made from the transcript in the prompt by `recapFromPrompt`).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface LlmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The body as it came, for searching it whole (no address, no secret). */
  raw: string;
  /** The system instruction and the user's text, from either format. */
  instructions: string;
  input: string;
}

/** An HTTP answer, `{ hangUp: true }` to close the connection without one (a network failure), or `{ stall: true }` never to answer. */
export type Reply = { status: number; body: unknown } | { hangUp: true } | { stall: true };

export interface LlmServer {
  /** Vertex: the SDK's `httpOptions.baseUrl`; OpenAI: the client's `baseURL` (…/v1). */
  url: string;
  requests: LlmRequest[];
  queue(...replies: Reply[]): void;
  answer: (request: LlmRequest) => Reply;
  close(): Promise<void>;
}

export const VERTEX_PATH = /^\/v1beta1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):generateContent$/;

export function startVertexServer(): Promise<LlmServer> {
  return start('', (req) => {
    if (req.method !== 'POST' || !VERTEX_PATH.test(req.path)) return vertexError(404, 'NOT_FOUND', `${req.method} ${req.path} is not a generateContent call`);
    if (!/^Bearer \S+/.test(String(req.headers.authorization ?? ''))) return vertexError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
    return undefined;
  }, (body) => ({
    instructions: (body?.systemInstruction?.parts ?? []).map((p: { text?: string }) => p.text ?? '').join('\n'),
    input: (body?.contents ?? []).flatMap((c: { parts?: Array<{ text?: string }> }) => c.parts ?? []).map((p: { text?: string }) => p.text ?? '').join('\n'),
  }), (req) => vertexAnswer(JSON.stringify(recapFromPrompt(req.input))));
}

export function startOpenAiServer(): Promise<LlmServer> {
  return start('/v1', (req) => {
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions') return openAiError(404, `Unknown request URL: ${req.method} ${req.path}`, 'invalid_request_error', 'unknown_url');
    return undefined;
  }, (body) => {
    const messages = (body?.messages ?? []) as Array<{ role: string; content: string }>;
    return { instructions: messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n'), input: messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n') };
  }, (req) => openAiAnswer(JSON.stringify(recapFromPrompt(req.input)), req.body?.model));
}

async function start(
  base: string,
  check: (req: LlmRequest) => Reply | undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  texts: (body: any) => { instructions: string; input: string },
  answer: (req: LlmRequest) => Reply,
): Promise<LlmServer> {
  const queued: Reply[] = [];
  const server: LlmServer = { url: '', requests: [], queue: (...r) => queued.push(...r), answer, close: async () => undefined };
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const request: LlmRequest = { method: req.method ?? '', path: new URL(req.url ?? '/', 'http://loopback').pathname, headers: req.headers, body, raw, ...texts(body) };
      server.requests.push(request);
      const reply = check(request) ?? queued.shift() ?? server.answer(request);
      if ('hangUp' in reply) {
        req.socket.destroy();
        return;
      }
      if ('stall' in reply) return;
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  server.url = `http://127.0.0.1:${port}${base}`;
  server.close = async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return server;
}

export function vertexAnswer(text: string, options: { finishReason?: string; tokensIn?: number; tokensOut?: number; thoughts?: number } = {}): Reply {
  const usage = { promptTokenCount: options.tokensIn ?? 1200, candidatesTokenCount: options.tokensOut ?? 300, ...(options.thoughts ? { thoughtsTokenCount: options.thoughts } : {}) };
  return {
    status: 200,
    body: {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: options.finishReason ?? 'STOP', index: 0 }],
      usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount + (options.thoughts ?? 0) },
      modelVersion: 'loopback-gemini',
      responseId: 'r-1',
    },
  };
}

export function vertexError(code: number, status: string, message: string): Reply {
  return { status: code, body: { error: { code, message, status } } };
}

export function openAiAnswer(content: string, model = 'loopback', options: { finishReason?: string; refusal?: string } = {}): Reply {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: options.refusal ? null : content, refusal: options.refusal ?? null }, finish_reason: options.finishReason ?? 'stop', logprobs: null }],
      usage: { prompt_tokens: 900, completion_tokens: 250, total_tokens: 1150 },
    },
  };
}

export function openAiError(status: number, message: string, type: string, code: string | null): Reply {
  return { status, body: { error: { message, type, param: null, code } } };
}

/** A quote no one at the table said, which the recap must drop. */
export const INVENTED_QUOTE = 'Je suis le roi des licornes et je vous ordonne de danser';
/** Past the end of any test session. */
export const PAST_THE_END = '9:59:59';

/**
 * What a diligent model would answer, plus two inventions: events at the first transcript lines' times, the first
 * line quoted word for word, then an invented quote and an event past the end of the session. Given the recaps of
 * a session's parts (a merge), it puts their events and quotes together, and invents the same two again.
 */
export interface FakeRecap {
  previously: string;
  events: Array<{ time: string; text: string }>;
  characters: Array<{ name: string; note: string }>;
  places: Array<{ name: string; note: string }>;
  items: Array<{ name: string; note: string }>;
  threads: string[];
  quotes: Array<{ time: string; speaker: string; text: string }>;
}

export function recapFromPrompt(input: string): FakeRecap {
  const parts = [...input.matchAll(/^Part \d+: (\{.*\})$/gm)].map((m) => JSON.parse(m[1]!) as FakeRecap);
  if (parts.length > 0) {
    return {
      previously: `Précédemment, en ${parts.length} parties : ${parts.map((p) => p.previously).join(' ')}`,
      events: [...parts.flatMap((p) => p.events), { time: PAST_THE_END, text: 'Un dragon surgit bien après la fin de la séance.' }],
      characters: parts[0]!.characters,
      places: parts[0]!.places,
      items: parts[0]!.items,
      threads: parts.flatMap((p) => p.threads),
      quotes: [...parts.flatMap((p) => p.quotes), { time: parts[0]!.quotes[0]?.time ?? '0:00:00', speaker: 'Camille', text: INVENTED_QUOTE }],
    };
  }
  const lines = [...input.matchAll(/^\[(\d+:\d\d:\d\d)\] ([^:]+): (.+)$/gm)].map((m) => ({ time: m[1]!, speaker: m[2]!, text: m[3]! }));
  const first = lines[0] ?? { time: '0:00:00', speaker: 'Unknown', text: 'rien' };
  return {
    previously: `Précédemment : ${lines.length} répliques, de ${first.speaker} à ${lines.at(-1)?.speaker ?? first.speaker}.`,
    events: [
      ...lines.slice(0, 3).map((l) => ({ time: l.time, text: `${l.speaker} prend la parole.` })),
      { time: PAST_THE_END, text: 'Un dragon surgit bien après la fin de la séance.' },
    ],
    characters: [{ name: 'Eldrin', note: 'attend à la taverne' }],
    places: [{ name: 'Port-Sombre', note: 'la ville portuaire' }],
    items: [{ name: 'la relique', note: 'à ramener au temple' }],
    threads: ['Ramener la relique au temple.'],
    quotes: [
      { time: first.time, speaker: first.speaker, text: first.text },
      { time: first.time, speaker: first.speaker, text: INVENTED_QUOTE },
    ],
  };
}
