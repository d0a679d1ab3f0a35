import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusTable } from '../../scripts/status-table.js';
import { StatusSchema } from '../../job/status.js';

test('make status prints every task of a run as a table: phase, chunk, progress, attempt', () => {
  const doc = StatusSchema.parse({
    version: 1,
    session: 's1',
    runId: 'r1',
    state: 'running',
    attempt: 0,
    stage: 'asr',
    timings: [],
    startedAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:20:00.000Z',
    tasks: [
      { index: 0, attempt: 0, phase: 'speakers', chunksDone: 0, updatedAt: '2026-12-01T10:19:50.000Z' },
      { index: 1, attempt: 1, phase: 'transcribe', chunk: 'chunk-0003', fraction: 0.42, stage: 'asr', chunksDone: 2, updatedAt: '2026-12-01T10:19:30.000Z' },
    ],
  });
  const table = statusTable(doc, new Date('2026-12-01T10:20:00.000Z')).split('\n');
  assert.equal(table[0], 'run r1 (s1): running, stage asr, updated 0 s ago');
  assert.match(table[1]!, /^task\s+attempt\s+phase\s+chunk\s+progress\s+chunks done\s+updated$/);
  assert.match(table[3]!, /^0\s+0\s+speakers\s+0\s+10 s ago$/);
  assert.match(table[4]!, /^1\s+1\s+transcribe\s+chunk-0003\s+42 %\s+2\s+30 s ago$/);
});
