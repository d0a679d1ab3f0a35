/**
 * `make model` against a loopback server standing in for Hugging Face and GitHub (the script takes their addresses
 * from WHISPER_MODEL_MIRROR and SPEAKER_MODEL_URL): both models saved where local runs look, the speaker model only
 * when its SHA-256 matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { scratchDir } from '../support/fixtures.js';
import { TINY_DIMS, writeGgmlModel } from '../support/ggml-model.js';

async function serve(files: Record<string, Buffer>) {
  const server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (!body) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(r)) };
}

function download(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/download-model.ts', ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

test('make model: the whisper model and the speaker model, SHA-256 checked, into models/', async () => {
  const model = join(scratchDir(), 'download-src-tiny.bin');
  await writeGgmlModel(model, TINY_DIMS);
  const speaker = randomBytes(50_000);
  const sha = createHash('sha256').update(speaker).digest('hex');
  const server = await serve({ '/ggml-tiny.bin': readFileSync(model), '/campplus.onnx': speaker });
  try {
    const env = { WHISPER_MODEL_MIRROR: server.url, SPEAKER_MODEL_URL: `${server.url}/campplus.onnx` };
    const dir = mkdtempSync(join(scratchDir(), 'models-'));
    const ok = await download(['tiny', '--dir', dir], { ...env, SPEAKER_MODEL_SHA256: sha });
    assert.equal(ok.code, 0, ok.out);
    assert.deepEqual(readdirSync(dir).sort(), ['ggml-tiny.bin', 'speaker-embedding.onnx']);
    assert.ok(readFileSync(join(dir, 'speaker-embedding.onnx')).equals(speaker));
    assert.match(ok.out, /local runs use .*speaker-embedding\.onnx/);
    const again = await download(['tiny', '--dir', dir], { ...env, SPEAKER_MODEL_SHA256: sha });
    assert.match(again.out, /speaker-embedding\.onnx is already there/);

    const other = mkdtempSync(join(scratchDir(), 'models-'));
    const bad = await download(['--speaker-only', '--dir', other], { ...env, SPEAKER_MODEL_SHA256: '0'.repeat(64) });
    assert.equal(bad.code, 1);
    assert.match(bad.out, /download failed: its SHA-256 is [0-9a-f]{64}, not the expected 0{64}/);
    assert.deepEqual(readdirSync(other), [], 'no model and no .part left');
    assert.equal(existsSync(join(other, 'speaker-embedding.onnx')), false);
  } finally {
    await server.close();
  }
});
