/**
 * The recap stage against loopback servers that speak Vertex AI's generateContent and OpenAI's chat completions,
 * through the real SDKs: what a request carries, what becomes of the answer (inventions dropped and counted), every
 * failure a reason that says what to do, retries bounded, long sessions by parts, no address or secret in a prompt.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseSessionContext } from '../../../lib/contracts/context.js';
import { AbortedError } from '../../../lib/errors.js';
import { OpenAiRecapModel } from '../../../job/engines/recap-openai.js';
import { VertexRecapModel } from '../../../job/engines/recap-vertex.js';
import { writeRecap, type RecapInput, type RecapSettings } from '../../../job/stages/recap.js';
import type { Segment } from '../../../job/transcript.js';
import { openAiAnswer, openAiError, recapFromPrompt, startOpenAiServer, startVertexServer, VERTEX_PATH, vertexAnswer, vertexError, type LlmServer, type Reply } from '../../integration/llm-servers.js';
import { LOOPBACK_TOKEN, loopbackGoogleAuth } from '../../support/loopback-auth.js';

const CONTEXT = parseSessionContext(`
speakers:
  - { id: camille, name: Camille, nicknames: [la MJ, camille.mj@club.example] }
  - { id: hugo, name: Hugo, character: Eldrin }
  - { id: lea, name: Léa, character: Morwenna }
glossary:
  characters: [Eldrin, { name: "Kael'thas", aliases: [Kaeltas] }, Morwenna]
  places: [Port-Sombre]
  terms: [jet de sauvegarde]
`).context;

const SEGMENTS: Segment[] = [
  { start: 3.2, end: 6, text: 'Bienvenue à Port-Sombre, la brume recouvre les quais.', speaker: 'Camille' },
  { start: 7, end: 9.5, text: "Je cherche Kael'thas à la taverne.", speaker: 'Hugo' },
  { start: 10, end: 13, text: 'Il vous attend au fond, écris-moi à hugo@club.example après.', speaker: 'Camille' },
  { start: 14, end: 17, text: 'Où est la relique ? On a promis de la ramener au temple !', speaker: 'Léa' },
];
const INPUT: RecapInput = { session: 'seance-12', duration: 60, context: CONTEXT, segments: SEGMENTS };
const SETTINGS: RecapSettings = { language: 'fr', contextTokens: 1_048_576, retry: { attempts: 3, delayMs: 1 } };

let vertex: LlmServer;
let openai: LlmServer;
before(async () => {
  vertex = await startVertexServer();
  openai = await startOpenAiServer();
});
after(async () => {
  await vertex?.close();
  await openai?.close();
});

const gemini = (model = 'gemini-3.5-flash') =>
  new VertexRecapModel({ project: 'jdr-test', location: 'europe-west1', model, baseUrl: vertex.url, googleAuthOptions: loopbackGoogleAuth() });
const llama = () => new OpenAiRecapModel({ url: openai.url, model: 'llama3.1:8b', apiKey: 'sk-local-SECRET-key' });

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The requests a test made, whatever earlier tests left on the server. */
function since(server: LlmServer) {
  const from = server.requests.length;
  return () => server.requests.slice(from);
}

describe('recap stage, Vertex AI', () => {
  it('sends the model, the instructions and the named transcript with times; the answer becomes the recap', async () => {
    const mine = since(vertex);
    const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(outcome.status, 'written', outcome.reason);
    const [request] = mine();
    assert.equal(mine().length, 1, 'one request: the session fits the window');
    assert.deepEqual(VERTEX_PATH.exec(request!.path)?.slice(1), ['jdr-test', 'europe-west1', 'gemini-3.5-flash']);
    assert.equal(request!.headers.authorization, `Bearer ${LOOPBACK_TOKEN}`);
    assert.match(request!.instructions, /recap of a tabletop role-playing session/);
    assert.match(request!.instructions, /Write every text in French \(fr\)/);
    assert.match(request!.input, /^\[0:00:03\] Camille: Bienvenue à Port-Sombre, la brume recouvre les quais\.$/m);
    assert.match(request!.input, /^\[0:00:07\] Hugo: Je cherche Kael'thas à la taverne\.$/m);
    assert.match(request!.input, /- Hugo: plays Eldrin/);
    assert.match(request!.input, /- Characters: Eldrin; Kael'thas; Morwenna/);
    assert.match(request!.input, /- Places: Port-Sombre/);
    const config = request!.body.generationConfig;
    assert.equal(config.responseMimeType, 'application/json');
    assert.deepEqual(config.responseJsonSchema.required, ['previously', 'events', 'characters', 'places', 'items', 'threads', 'quotes']);

    const recap = outcome.recap!;
    assert.match(recap.previously, /^Précédemment : 4 répliques/);
    assert.deepEqual(recap.events.map((e) => e.time), [3, 7, 10]);
    assert.deepEqual(recap.quotes, [{ time: 3.2, speaker: 'Camille', text: 'Bienvenue à Port-Sombre, la brume recouvre les quais.' }]);
    assert.deepEqual(outcome.dropped, { quotes: 1, times: 1 }, 'the invented quote and the event past the end');
    assert.equal(recap.model, 'gemini-3.5-flash on Vertex AI (europe-west1)');
    assert.deepEqual(outcome.usage, { requests: 1, parts: 1, tokensIn: 1200, tokensOut: 300 });
    assert.equal(outcome.costUsd, (1200 * 1.5 + 300 * 9) / 1e6);
  });

  it('counts thinking tokens as output', async () => {
    vertex.queue(vertexAnswer(JSON.stringify(recapFromPrompt('[0:00:03] Camille: Bienvenue à Port-Sombre, la brume recouvre les quais.')), { tokensIn: 100, tokensOut: 50, thoughts: 400 }));
    const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(outcome.usage.tokensOut, 450);
  });

  it('a 403 is a reason to fix the grant, not a retry', async () => {
    const mine = since(vertex);
    vertex.queue(vertexError(403, 'PERMISSION_DENIED', "Permission 'aiplatform.endpoints.predict' denied on resource"));
    const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.recap, undefined);
    assert.equal(mine().length, 1, 'not retried');
    assert.match(outcome.reason!, /Vertex AI refused the request \(403: PERMISSION_DENIED: Permission 'aiplatform\.endpoints\.predict' denied.*roles\/aiplatform\.user.*`make deploy`/);
  });

  it('a 429 is retried with backoff, at most the attempts configured, then a reason', async () => {
    const mine = since(vertex);
    const quota = vertexError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute');
    vertex.queue(quota, quota, quota);
    const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(outcome.status, 'failed');
    assert.equal(mine().length, 3);
    assert.equal(outcome.usage.requests, 3);
    assert.match(outcome.reason!, /quota is used up \(429: RESOURCE_EXHAUSTED: Quota exceeded.*\) after 3 tries: upload _READY again later/);

    const again = since(vertex);
    vertex.queue(quota);
    const recovered = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(recovered.status, 'written', 'the second try succeeds');
    assert.equal(again().length, 2);
  });

  it('a malformed answer is retried, then a reason', async () => {
    const mine = since(vertex);
    const garbage = vertexAnswer('Voici le résumé : la séance était super !');
    vertex.queue(garbage, garbage, garbage);
    const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(outcome.status, 'failed');
    assert.equal(mine().length, 3);
    assert.match(outcome.reason!, /the model's answer was not the recap asked for \(the answer is not JSON.*\) after 3 tries/);
    assert.equal(outcome.usage.tokensIn, 3 * 1200, 'answers that could not be used were still paid for');
  });

  it('an answer cut at the output limit, a refusal, a wrong shape: each a reason', async () => {
    const cases = [
      // A cut-off or wrongly shaped answer may come out right next time; a refusal would not.
      [vertexAnswer('{"previously": "Le dra', { finishReason: 'MAX_TOKENS' }), /cut off at \d+ output tokens/, 3],
      [vertexAnswer('', { finishReason: 'SAFETY' }), /the model declined to recap this session \(the model stopped \(finish reason SAFETY\)\)/, 1],
      [{ status: 200, body: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 10 } } }, /declined.*blocked the prompt \(PROHIBITED_CONTENT/, 1],
      [vertexAnswer(JSON.stringify({ previously: 42, events: 'none' })), /does not follow the schema \(previously/, 3],
    ] as const;
    for (const [reply, reason, tries] of cases) {
      const mine = since(vertex);
      vertex.queue(...Array<Reply>(tries).fill(reply));
      const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.reason!, reason);
      assert.equal(mine().length, tries);
    }
  });

  it('a model the location does not offer (404) says which settings to change', async () => {
    vertex.queue(vertexError(404, 'NOT_FOUND', 'Publisher Model `projects/jdr-test/locations/europe-west1/publishers/google/models/gemini-9` was not found'));
    const outcome = await writeRecap(INPUT, gemini('gemini-9'), SETTINGS);
    assert.match(outcome.reason!, /Vertex AI has no model gemini-9 here .*recap_model \(RECAP_MODEL\).*recap_location \(RECAP_LOCATION\) to "global"/);
  });

  it('a network failure (the connection dropped, nothing listening) is retried, then a reason', async () => {
    const mine = since(vertex);
    vertex.queue({ hangUp: true }, { hangUp: true }, { hangUp: true });
    const outcome = await writeRecap(INPUT, gemini(), SETTINGS);
    assert.equal(mine().length, 3);
    assert.match(outcome.reason!, /Vertex AI could not be reached \(.+\) after 3 tries: check the network/);
    const closed = new VertexRecapModel({ project: 'jdr-test', location: 'europe-west1', model: 'gemini-3.5-flash', baseUrl: `http://127.0.0.1:${await closedPort()}/`, googleAuthOptions: loopbackGoogleAuth() });
    assert.match((await writeRecap(INPUT, closed, { ...SETTINGS, retry: { attempts: 1, delayMs: 1 } })).reason!, /could not be reached \(fetch failed.*ECONNREFUSED/);
  });

  it('an abort (Ctrl-C, SIGTERM) stops the request and the run, instead of becoming a warning', async () => {
    vertex.queue({ stall: true });
    const controller = new AbortController();
    const asked = vertex.requests.length;
    const pending = writeRecap(INPUT, gemini(), SETTINGS, controller.signal);
    while (vertex.requests.length === asked) await new Promise((r) => setImmediate(r));
    controller.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof AbortedError);
  });

  it('a session too long for the window goes by parts, then a recap of the parts', async () => {
    // 120 turns of ~60 characters, a minute apart: about 3,000 tokens of transcript for a 4,096-token window.
    const long: Segment[] = Array.from({ length: 120 }, (_, i) => ({ start: i * 60, end: i * 60 + 20, text: `Réplique numéro ${i} de la longue séance, à Port-Sombre ce soir-là.`, speaker: i % 2 ? 'Hugo' : 'Camille' }));
    const input = { ...INPUT, duration: 7300, segments: long };
    const mine = since(vertex);
    const outcome = await writeRecap(input, gemini(), { ...SETTINGS, contextTokens: 4096 });
    assert.equal(outcome.status, 'written', outcome.reason);
    const requests = mine();
    const parts = requests.filter((r) => /This is part \d+ of \d+ of the session/.test(r.input));
    assert.ok(parts.length >= 2, `${parts.length} parts`);
    assert.equal(outcome.usage.parts, parts.length);
    assert.equal(requests.length, parts.length + 1, 'the parts, then one recap of the parts');
    for (const p of parts) assert.ok(p.raw.length < 4096 * 3 * 1.2, 'each part fits the window');
    // Every turn goes to exactly one part.
    const turns = parts.flatMap((p) => [...p.input.matchAll(/^\[\d+:\d\d:\d\d\] \w+: Réplique numéro (\d+)/gm)].map((m) => Number(m[1])));
    assert.deepEqual(turns, long.map((_, i) => i));
    const merge = requests.at(-1)!;
    assert.match(merge.instructions, /recaps of consecutive parts of one session/);
    assert.match(merge.input, /Part 1: \{"previously"/);
    assert.doesNotMatch(merge.input, /Réplique numéro 7 de la longue/, 'the merge reads the parts\' recaps, not the transcript');
    // The recap is the merge's answer, checked: every part's events and real quotes, none of the inventions.
    const firstOfEachPart = parts.map((p) => Number(/^\[\d+:\d\d:\d\d\] \w+: Réplique numéro (\d+)/m.exec(p.input)![1]) * 60);
    assert.match(outcome.recap!.previously, new RegExp(`^Précédemment, en ${parts.length} parties`));
    assert.deepEqual(outcome.recap!.quotes.map((q) => q.time), firstOfEachPart);
    assert.ok(firstOfEachPart.every((t) => outcome.recap!.events.some((e) => e.time === t)));
    assert.ok(outcome.recap!.events.every((e) => e.time <= 7300));
    assert.deepEqual(outcome.dropped, { quotes: parts.length + 1, times: parts.length + 1 }, 'each part\'s inventions, then the merge\'s');
  });

  it('refuses a window too small for the session rather than sending dozens of requests', async () => {
    const long: Segment[] = Array.from({ length: 2000 }, (_, i) => ({ start: i * 6, end: i * 6 + 5, text: `Réplique ${i} : encore une longue phrase de la séance, pour remplir la fenêtre.`, speaker: 'Camille' }));
    const mine = since(vertex);
    const outcome = await writeRecap({ ...INPUT, duration: 12_001, segments: long }, gemini(), { ...SETTINGS, contextTokens: 4096 });
    assert.equal(outcome.status, 'failed');
    assert.equal(mine().length, 0);
    assert.match(outcome.reason!, /context window of 4096 tokens is too small for this session \(it would take \d+ parts, at most 20\): .*--recap-context-tokens/);
  });

  it('skips an empty transcript without a request', async () => {
    const mine = since(vertex);
    const outcome = await writeRecap({ ...INPUT, segments: [] }, gemini(), SETTINGS);
    assert.equal(outcome.status, 'skipped');
    assert.equal(mine().length, 0);
  });

  it('the prompt holds no email address and no secret', async () => {
    const secrets = { SMTP_PASSWORD: 'sm7p-S3cret', RECAP_API_KEY: 'sk-local-SECRET-key', EMAIL_TO: 'mj@club.example' };
    Object.assign(process.env, secrets);
    try {
      const mine = since(vertex);
      const mineOpenAi = since(openai);
      await writeRecap(INPUT, gemini(), SETTINGS);
      await writeRecap(INPUT, llama(), SETTINGS);
      const bodies = [...mine(), ...mineOpenAi()].map((r) => r.raw);
      assert.equal(bodies.length, 2);
      for (const body of bodies) {
        assert.doesNotMatch(body, /[\w.+-]+@[\w-]+\.[\w.]+/, 'no email address, not even one said aloud or in a nickname');
        for (const secret of Object.values(secrets)) assert.ok(!body.includes(secret), `${secret} is not in the prompt`);
        assert.match(body, /\[email\]/, 'the addresses were masked where they were');
      }
      // The key goes where OpenAI-compatible servers expect it, and only there.
      assert.equal(mineOpenAi()[0]!.headers.authorization, `Bearer ${secrets.RECAP_API_KEY}`);
    } finally {
      for (const k of Object.keys(secrets)) delete process.env[k];
    }
  });
});

describe('recap stage, OpenAI-compatible server', () => {
  it('sends the model, the instructions and the transcript as chat messages with a JSON schema', async () => {
    const mine = since(openai);
    const outcome = await writeRecap(INPUT, llama(), SETTINGS);
    assert.equal(outcome.status, 'written', outcome.reason);
    const [request] = mine();
    assert.equal(request!.path, '/v1/chat/completions');
    assert.equal(request!.body.model, 'llama3.1:8b');
    assert.deepEqual(request!.body.messages.map((m: { role: string }) => m.role), ['system', 'user']);
    assert.match(request!.instructions, /Write every text in French \(fr\)/);
    assert.match(request!.input, /^\[0:00:14\] Léa: Où est la relique \? On a promis de la ramener au temple !$/m);
    assert.equal(request!.body.response_format.type, 'json_schema');
    assert.equal(request!.body.response_format.json_schema.strict, true);
    assert.deepEqual(outcome.dropped, { quotes: 1, times: 1 });
    assert.equal(outcome.recap!.quotes.length, 1);
    assert.equal(outcome.recap!.model, `llama3.1:8b on ${new URL(openai.url).host}`);
    assert.equal(outcome.costUsd, undefined, 'a local server has no list price');
    assert.deepEqual(outcome.usage, { requests: 1, parts: 1, tokensIn: 900, tokensOut: 250 });
  });

  it('a 403, a 429 and a malformed answer each end in a reason', async () => {
    const cases = [
      [openAiError(403, 'Forbidden', 'permission_error', null), /the server refused the request \(403.*\): set RECAP_API_KEY/, 1],
      [openAiError(429, 'Rate limit reached', 'requests', 'rate_limit_exceeded'), /quota is used up \(429.*\) after 3 tries/, 3],
      [openAiAnswer('{"previously": '), /not the recap asked for \(the answer is not JSON.*after 3 tries: a larger model/, 3],
      [openAiAnswer('', 'llama', { refusal: 'I cannot help with that.' }), /declined to recap this session \(the model declined: I cannot help with that\.\)/, 1],
    ] as const;
    for (const [reply, reason, tries] of cases) {
      const mine = since(openai);
      openai.queue(...Array<Reply>(tries).fill(reply));
      const outcome = await writeRecap(INPUT, llama(), SETTINGS);
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.reason!, reason);
      assert.equal(mine().length, tries);
    }
  });

  it('an answer wrapped in a Markdown fence, as small local models write it, is read', async () => {
    openai.queue(openAiAnswer('```json\n' + JSON.stringify(recapFromPrompt('[0:00:07] Hugo: Je cherche Kael\'thas à la taverne.')) + '\n```'));
    const outcome = await writeRecap(INPUT, llama(), SETTINGS);
    assert.equal(outcome.status, 'written', outcome.reason);
    assert.deepEqual(outcome.recap!.quotes.map((q) => q.speaker), ['Hugo']);
  });
});
