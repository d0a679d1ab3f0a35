import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJobConfig } from '../../../lib/config/job.js';
import { createRecapModel } from '../../../job/engines/create.js';
import { OpenAiRecapModel } from '../../../job/engines/recap-openai.js';
import { VertexRecapModel } from '../../../job/engines/recap-vertex.js';

test('RECAP picks the recap model: none when off, Gemini on Vertex AI, or an OpenAI-compatible server', () => {
  const config = (env: Record<string, string>) => parseJobConfig({ INPUT_PREFIX: 'sessions/s', ...env }).recap;
  assert.equal(createRecapModel(config({})), undefined, 'off by default: nothing is sent anywhere');
  const vertex = createRecapModel(config({ RECAP: 'vertex', RECAP_PROJECT: 'my-project-1', RECAP_LOCATION: 'eu' }));
  assert.ok(vertex instanceof VertexRecapModel);
  assert.equal(vertex.description, 'gemini-3.5-flash on Vertex AI (eu)');
  const local = createRecapModel(config({ RECAP: 'openai', RECAP_URL: 'http://127.0.0.1:11434/v1', RECAP_MODEL: 'qwen2.5:14b' }));
  assert.ok(local instanceof OpenAiRecapModel);
  assert.equal(local.description, 'qwen2.5:14b on 127.0.0.1:11434');
});
