import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StatusWriter, STATUS_KEY } from '../../job/status.js';
import { silentProgress } from '../../job/progress.js';
import { memoryLogger } from '../../lib/log.js';
import { FileStore, type Store } from '../../lib/storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'jdr-status-'));
after(() => rmSync(root, { recursive: true, force: true }));

function clock(start = Date.parse('2024-05-12T20:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('status.json', () => {
  it('is written at every stage change, and at most every interval while a stage progresses', async () => {
    const store = new FileStore(mkdtempSync(join(root, 's-')));
    const c = clock();
    const writes: string[] = [];
    const counting: Store = Object.assign(Object.create(store), { write: (k: string, d: string, o: object) => (writes.push(d), store.write(k, d, o)) });
    const status = new StatusWriter(counting, { session: 's', runId: 'r', attempt: 1 }, { log: memoryLogger(), minIntervalMs: 10_000, now: c.now });
    await status.onStatus({ stage: 'asr', state: 'started', timings: [{ stage: 'fetch', seconds: 2 }] });
    const progress = status.tee(silentProgress);
    for (let i = 1; i <= 10; i++) {
      c.advance(3000);
      progress.update(i / 10, `chunk ${i}/10`);
    }
    await status.onStatus({ stage: 'asr', state: 'finished', timings: [{ stage: 'fetch', seconds: 2 }, { stage: 'asr', seconds: 30 }] });
    // started + updates at 12 s, 24 s (every 4th 3 s step) + finished
    assert.equal(writes.length, 4);
    const mid = JSON.parse(writes[1]!);
    assert.deepEqual(mid.progress, { stage: 'asr', fraction: 0.4, detail: 'chunk 4/10' });
    assert.equal(mid.updatedAt, '2024-05-12T20:00:12.000Z');
    const doc = JSON.parse((await store.read(STATUS_KEY)).toString());
    assert.equal(doc.state, 'running');
    assert.equal(doc.attempt, 1);
    assert.deepEqual(doc.timings, [{ stage: 'fetch', seconds: 2 }, { stage: 'asr', seconds: 30 }]);

    await status.finish('failed', { error: { stage: 'asr', message: 'boom' } });
    const previous = await StatusWriter.previous(store);
    assert.equal(previous?.state, 'failed');
    assert.deepEqual(previous?.error, { stage: 'asr', message: 'boom' });
  });

  it('with parallel tasks, gathers every task (phase, chunk, attempt) and never reopens a finished run', async () => {
    const store = new FileStore(mkdtempSync(join(root, 's-')));
    const run = { session: 's', runId: 'r' };
    const a = new StatusWriter(store, { ...run, attempt: 0, task: { index: 0, count: 2 } }, { log: memoryLogger() });
    const b = new StatusWriter(store, { ...run, attempt: 1, task: { index: 1, count: 2 } }, { log: memoryLogger() });
    a.onPhase('speakers');
    b.onPhase('transcribe', { chunk: 'chunk-0002', chunksDone: 1 });
    await b.onStatus({ stage: 'asr', state: 'started', timings: [] });
    let doc = (await StatusWriter.previous(store))!;
    assert.deepEqual(doc.tasks!.map((t) => [t.index, t.attempt, t.phase, t.chunk]), [[0, 0, 'speakers', undefined], [1, 1, 'transcribe', 'chunk-0002']]);
    await a.finish('succeeded', { timings: [{ stage: 'asr', seconds: 12 }] });
    await b.taskDone();
    doc = (await StatusWriter.previous(store))!;
    assert.equal(doc.state, 'succeeded', 'a task leaving late does not reopen the run');
    assert.deepEqual(doc.timings, [{ stage: 'asr', seconds: 12 }]);
    const tasks = (await store.list('work/tasks/')).map((o) => JSON.parse(readFileSync(new URL(store.uriOf(o.key)), 'utf8')).phase);
    assert.deepEqual(tasks, ['done', 'done']);
  });

  it('never fails the run: a write error becomes a warning', async () => {
    const log = memoryLogger();
    const broken: Store = Object.assign(Object.create(new FileStore(root)), { write: async () => Promise.reject(new Error('503 backend error')) });
    const status = new StatusWriter(broken, { session: 's', runId: 'r', attempt: 0 }, { log });
    await status.onStatus({ stage: 'fetch', state: 'started', timings: [] });
    await status.finish('succeeded');
    assert.equal(log.lines.filter((l) => l.severity === 'WARNING' && /503 backend error/.test(l.message)).length, 2);
  });

  it('ignores an unreadable earlier status', async () => {
    const store = new FileStore(mkdtempSync(join(root, 's-')));
    assert.equal(await StatusWriter.previous(store), undefined);
    await store.write(STATUS_KEY, '{not json');
    assert.equal(await StatusWriter.previous(store), undefined);
    await store.write(STATUS_KEY, '{"version": 9}');
    assert.equal(await StatusWriter.previous(store), undefined);
  });
});
