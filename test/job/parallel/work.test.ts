/**
 * The run's work area: create-only claims that a retried task takes back and no other task can, checkpoints that
 * read as absent when cut short, the bounded wait, and the chunk length that follows the task count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { FileStore } from '../../../lib/storage/index.js';
import { waitFor, WorkArea, WORK_KEYS } from '../../../job/parallel/work.js';
import { chunkCountFor, chunkSecondsFor, planBalancedChunks } from '../../../job/stages/chunk.js';
import { taskCountFor } from '../../../functions/trigger-core.js';
import { parseManifest } from '../../../lib/contracts/manifest.js';
import { AbortedError } from '../../../lib/errors.js';
import { memoryLogger } from '../../../lib/log.js';
import { silentProgress } from '../../../job/progress.js';
import { runTask } from '../../../job/parallel/task.js';
import type { RunDeps } from '../../../job/run.js';
import { testSettings } from '../../support/run-settings.js';

const root = mkdtempSync(join(tmpdir(), 'jdr-work-'));
after(() => rmSync(root, { recursive: true, force: true }));
const area = () => WorkArea.of(new FileStore(mkdtempSync(join(root, 'run-'))));

describe('work area claims', () => {
  it('a claim is taken once; the same task in a later attempt takes it back; another task cannot', async () => {
    const work = area();
    assert.equal(await work.claim(WORK_KEYS.claim('chunk-0001'), { task: 2, attempt: 0 }), true);
    assert.equal(await work.claim(WORK_KEYS.claim('chunk-0001'), { task: 3, attempt: 0 }), false, 'another task');
    assert.equal(await work.claim(WORK_KEYS.claim('chunk-0001'), { task: 2, attempt: 1 }), true, 'the same task, retried');
    assert.deepEqual(await work.holder(WORK_KEYS.claim('chunk-0001')), { task: 2, attempt: 0 }, 'the first claim stays');
  });

  it('an unreadable claim belongs to nobody who can take it back', async () => {
    const work = area();
    mkdirSync(join(new URL(work.store.uri).pathname, 'claims'), { recursive: true });
    writeFileSync(join(new URL(work.store.uri).pathname, 'claims', 'chunk-0002.json'), '{"task": 1, "att');
    assert.equal(await work.claim(WORK_KEYS.claim('chunk-0002'), { task: 1, attempt: 1 }), false);
  });

  it('a checkpoint cut short reads as absent, so its work is done again', async () => {
    const work = area();
    await work.writeJson(WORK_KEYS.plan, { version: 1 });
    writeFileSync(join(new URL(work.store.uri).pathname, 'speakers.json'), '{"version": 1, "summ');
    const schema = z.object({ version: z.literal(1) });
    assert.deepEqual(await work.readJson(WORK_KEYS.plan, schema), { version: 1 });
    assert.equal(await work.readJson(WORK_KEYS.speakers, schema), undefined);
    assert.equal(await work.readJson('results/none.json', schema), undefined);
  });

  it('clearing removes the audio only, or everything, folder included', async () => {
    const out = new FileStore(mkdtempSync(join(root, 'run-')));
    const work = WorkArea.of(out);
    await work.store.write(WORK_KEYS.audio('chunk-0000'), 'RIFF');
    await work.writeJson(WORK_KEYS.result('chunk-0000'), { version: 1 });
    await work.clear('audio/');
    assert.deepEqual([...(await work.keysUnder(''))], ['results/chunk-0000.json']);
    await work.clear();
    assert.deepEqual(await out.list(), []);
  });
});

describe('waiting for the plan', () => {
  it('polls with a backoff until the value comes, or gives up after the bound', async () => {
    let tries = 0;
    const found = await waitFor(async () => (++tries >= 3 ? 'plan' : undefined), { firstMs: 5, totalMs: 5000 });
    assert.equal(found, 'plan');
    assert.equal(tries, 3);
    const waits: number[] = [];
    const none = await waitFor(async () => undefined, { firstMs: 5, maxMs: 20, totalMs: 100, onWait: (ms) => waits.push(ms) });
    assert.equal(none, undefined);
    assert.ok(waits.length >= 3 && waits.length < 20, `${waits.length} waits within the bound`);
  });

  it('stops at once when the task is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(waitFor(async () => undefined, { firstMs: 10_000, totalMs: 60_000, signal: controller.signal }), AbortedError);
  });
});

describe('chunks sized for the tasks', () => {
  it('splits the speech into rounds of one chunk per task, within 2 minutes and the maximum', () => {
    assert.equal(chunkCountFor(600, 120, 900), 5);
    assert.equal(chunkCountFor(100, 120, 900), 1, 'a short stretch is one chunk');
    assert.equal(chunkCountFor(2000, 120, 900), 16, 'never under 2 minutes');
    assert.equal(chunkCountFor(2000, 1800, 900), 3, 'never over the maximum');
    // 3 h of speech, 8 tasks, 15 min at most: two rounds of 8 chunks of about 11.25 min.
    assert.equal(chunkSecondsFor(3 * 3600, 8, 900), 675);
    assert.equal(chunkSecondsFor(3 * 3600, 1, 900), 900, 'one task: the longest chunks');
    assert.equal(chunkSecondsFor(600, 16, 900), 120, 'never shorter than 2 minutes');
    assert.equal(chunkSecondsFor(600, 16, 60), 60, 'unless the maximum is shorter');
    assert.equal(chunkSecondsFor(0, 4, 900), 900);
  });

  it('balanced by speech: 3 h of speech-only audio in regions of 2 to 9 s gives 16 chunks of nearly equal length', () => {
    const regions = [];
    let at = 0;
    for (let i = 0; at < 3 * 3600; i++) {
      const length = 2 + ((i * 7) % 8);
      regions.push({ start: at, end: at + length });
      at += length + 0.3;
    }
    const count = chunkCountFor(at, chunkSecondsFor(at, 8, 900), 900);
    assert.equal(count, 16);
    const chunks = planBalancedChunks(at, regions, { count, overlapSeconds: 2 });
    assert.equal(chunks.length, 16);
    assert.ok(chunks.slice(0, -1).every((c) => c.cutInSilence), 'every cut in a silence');
    for (const [i, c] of chunks.entries()) {
      if (i > 0) assert.equal(c.keepStart, chunks[i - 1]!.keepEnd, 'keep ranges tile the audio');
      assert.ok(!regions.some((r) => r.start < c.keepEnd && r.end > c.keepEnd && i < chunks.length - 1), `cut ${i} falls between regions`);
    }
    const lengths = chunks.map((c) => c.keepEnd - c.keepStart);
    assert.ok(Math.max(...lengths) - Math.min(...lengths) < 0.1 * Math.max(...lengths), `lengths ${lengths.map((l) => Math.round(l))}`);
  });
});

describe('the task count the trigger asks for', () => {
  it("is _READY's tasks:, at most the deployment's maximum, which is also the default", () => {
    assert.equal(taskCountFor(parseManifest('').manifest, 8), 8);
    assert.equal(taskCountFor(parseManifest('tasks: 2').manifest, 8), 2);
    assert.equal(taskCountFor(parseManifest('tasks: 50').manifest, 8), 8);
    assert.throws(() => parseManifest('tasks: 0'), /tasks.*at least 1/s);
    assert.throws(() => parseManifest('tasks: 1000'), /tasks.*at most 100/s);
  });
});

describe('a planner that died without a word', () => {
  it('is found silent from its claim and its status document', async () => {
    const work = area();
    const t0 = new Date('2026-12-01T10:00:00Z');
    await work.claim(WORK_KEYS.planClaim, { task: 3, attempt: 0 }, t0);
    assert.deepEqual(await work.silenceOf(WORK_KEYS.planClaim, new Date('2026-12-01T10:12:00Z')), { task: 3, seconds: 720 });
    await work.writeJson(WORK_KEYS.task(3), { index: 3, updatedAt: '2026-12-01T10:10:00.000Z' });
    assert.deepEqual(await work.silenceOf(WORK_KEYS.planClaim, new Date('2026-12-01T10:12:00Z')), { task: 3, seconds: 120 }, 'its status is newer');
    assert.equal(await work.silenceOf(WORK_KEYS.finishClaim), undefined);
  });

  it('makes the waiting tasks leave with a message instead of waiting for hours', async () => {
    const work = area();
    await work.claim(WORK_KEYS.planClaim, { task: 0, attempt: 2 }, new Date(Date.now() - 20 * 60_000));
    const deps = { log: memoryLogger(), progress: silentProgress } as unknown as RunDeps;
    await assert.rejects(
      runTask(testSettings(), deps, work, { task: { index: 1, count: 4, attempt: 0, lastAttempt: false }, plannerSilenceMs: 15 * 60_000, waitMs: 3000 }),
      /The planning task \(task 0\) has not been heard of for 20 min: it stopped without a word/,
    );
  });
});
