/**
 * Hostile inputs through the trigger's core, each in a process of its own so that its peak memory is its own: the
 * alias bombs, a 50 MB _READY, a warnings bomb, thousands of listed files. Prints the time to the answer and the
 * extra peak RSS over an idle process. Target (issue 8): every one refused (or, for a context, set aside with a
 * warning) in under 1 s and under 50 MB of extra memory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleSessionReady, STORAGE_FINALIZED, type TriggerDeps } from '../functions/trigger-core.js';
import { memoryLogger } from '../lib/log.js';
import { FileStore } from '../lib/storage/index.js';
import { aliasBomb, manyWarningsBomb } from '../test/support/bombs.js';

const CASES: Record<string, { ready?: string | Buffer; context?: string }> = {
  'nothing hostile (baseline)': { ready: '' },
  'context.yaml alias bomb, 28 KB': { ready: '', context: aliasBomb(28 * 1024, { aliases: 90 }) },
  'context.yaml alias bomb, 56 KB': { ready: '', context: aliasBomb(56 * 1024, { aliases: 90 }) },
  'context.yaml with 400 aliases': { ready: '', context: aliasBomb(28 * 1024, { aliases: 400 }) },
  'context.yaml warnings bomb, 1 KB': { ready: '', context: manyWarningsBomb() },
  '_READY of 50 MB': { ready: Buffer.alloc(50 * 1024 * 1024, 'files: []\n') },
  '_READY alias bomb, 28 KB': { ready: aliasBomb(28 * 1024, { aliases: 90 }) },
  '_READY listing 110,000 missing files (over the 256 KB limit)': { ready: `files: [${Array.from({ length: 110_000 }, (_, i) => `{name: p${i}.m4a}`).join(', ')}]` },
  '_READY listing 1,900 missing files': { ready: `files: [${Array.from({ length: 1900 }, (_, i) => `{name: p${i}.m4a}`).join(', ')}]` },
};

async function one(name: string): Promise<void> {
  const c = CASES[name]!;
  const dir = mkdtempSync(join(tmpdir(), 'bounds-bench-'));
  try {
    const bucket = (b: string) => new FileStore(join(dir, b));
    await bucket('in').write('sessions/s/a.m4a', 'audio');
    if (c.context) await bucket('in').write('sessions/s/context/context.yaml', c.context);
    const marker = await bucket('in').write('sessions/s/_READY', c.ready ?? '');
    const published: unknown[] = [];
    const deps: TriggerDeps = {
      config: { jobName: 'projects/p/locations/r/jobs/j', outputBucket: 'out', completionTopic: 'projects/p/topics/t', defaultRecipients: ['mj@club.example'], allowedRecipients: [], inputBucket: 'in', runApi: { endpoint: undefined, transport: 'grpc' }, maxParallelTasks: 8 },
      openBucket: bucket,
      publish: async (m) => String(published.push(m)),
      launcher: { run: async () => 'projects/p/locations/r/jobs/j/executions/e' },
      log: memoryLogger(),
    };
    const rssBefore = process.resourceUsage().maxRSS;
    const t0 = performance.now();
    const outcome = await handleSessionReady({ type: STORAGE_FINALIZED, data: { bucket: 'in', name: 'sessions/s/_READY', generation: marker.generation } }, deps);
    const ms = performance.now() - t0;
    const extraMb = (process.resourceUsage().maxRSS - rssBefore) / 1024;
    const lines = (deps.log as ReturnType<typeof memoryLogger>).lines.filter((l) => l.severity === 'WARNING').length;
    process.stdout.write(JSON.stringify({ name, action: outcome.action, ms: Math.round(ms), extraMb: Math.round(extraMb * 10) / 10, warnings: lines }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (only) {
  await one(only);
} else {
  const self = fileURLToPath(import.meta.url);
  console.log('hostile inputs through the trigger (each in its own process): answer, time, extra peak RSS');
  let worstMs = 0;
  let worstMb = 0;
  for (const name of Object.keys(CASES)) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, name], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { name: string; action: string; ms: number; extraMb: number; warnings: number };
    if (!r.name.includes('baseline')) {
      worstMs = Math.max(worstMs, r.ms);
      worstMb = Math.max(worstMb, r.extraMb);
    }
    console.log(`  ${r.name.padEnd(62)} ${r.action.padEnd(8)} ${String(r.ms).padStart(5)} ms  +${r.extraMb.toFixed(1).padStart(5)} MB  ${r.warnings} warning line(s)`);
  }
  console.log(`worst: ${worstMs} ms, +${worstMb.toFixed(1)} MB (target: under 1000 ms and 50 MB)`);
}
