/**
 * Ctrl-C and SIGTERM, once or many times, at any stage of `jdr-transcriber run`: no child process (ffmpeg,
 * whisper-cli) outlives the command and no temporary folder stays behind (issue 8, item 10). The slow children are
 * test doubles (shell scripts that wait, under a name of their own), so that a signal always lands while one runs;
 * every other part is the real command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dialogueWav, scratchDir } from '../support/fixtures.js';
import { TINY_DIMS, writeGgmlModel } from '../support/ggml-model.js';

const run = promisify(execFile);

/** A stand-in that waits under the name `marker` (so the process table can be searched for it). */
function waiting(path: string, marker: string, versionLine?: string): string {
  writeFileSync(
    path,
    `#!/bin/bash\n${versionLine ? `if [ "$1" = "--version" ]; then echo "${versionLine}"; exit 0; fi\n` : ''}exec -a ${marker} sleep 120\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

async function running(marker: string): Promise<string[]> {
  try {
    const { stdout } = await run('pgrep', ['-af', marker]);
    return stdout.trim().split('\n').filter(Boolean);
  } catch (err) {
    if ((err as { code?: number }).code === 1) return [];
    throw err;
  }
}

interface Case {
  name: string;
  /** The stage whose start (a log line) triggers the signals. */
  stage: RegExp;
  slow: 'ffmpeg' | 'whisper-cli';
  signals: NodeJS.Signals[];
}

const cases: Case[] = [
  { name: 'two SIGTERMs while whisper-cli runs', stage: /"stage":"asr"/, slow: 'whisper-cli', signals: ['SIGTERM', 'SIGTERM'] },
  { name: 'two Ctrl-C while ffmpeg decodes', stage: /"stage":"decode"/, slow: 'ffmpeg', signals: ['SIGINT', 'SIGINT'] },
  { name: 'five signals at once while whisper-cli runs', stage: /"stage":"asr"/, slow: 'whisper-cli', signals: ['SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'] },
  { name: 'one SIGTERM while whisper-cli runs (a clean stop)', stage: /"stage":"asr"/, slow: 'whisper-cli', signals: ['SIGTERM'] },
];

for (const [i, c] of cases.entries()) {
  test(`${c.name}: no child process and no temporary folder left`, async () => {
    const base = join(scratchDir(), `signals-${i}`);
    const tmp = mkdtempSync(join(scratchDir(), `signals-tmp-${i}-`));
    const session = join(base, 'session');
    mkdirSync(session, { recursive: true });
    copyFileSync((await dialogueWav()).wav, join(session, 'dialogue.wav'));
    const model = join(base, 'tiny.bin');
    await writeGgmlModel(model, TINY_DIMS);
    const marker = `jdr-slow-${c.slow}-${process.pid}-${i}`;
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, WHISPER_MODEL_PATH: model };
    if (c.slow === 'ffmpeg') env.FFMPEG_PATH = waiting(join(base, 'ffmpeg'), marker);
    else env.WHISPER_CLI = waiting(join(base, 'whisper-cli'), marker, 'version: test-double');

    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', session, '--out', join(base, 'out'), '--json', '--threads', '1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const reached = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (c.stage.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([reached, exited]);
    // The stage has started; wait until its slow child is there, so that the signals find it running.
    for (let tries = 0; (await running(marker)).length === 0 && tries < 200; tries++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await running(marker)).length, 1, `the slow ${c.slow} runs\n${stderr}`);
    for (const signal of c.signals) child.kill(signal);
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.deepEqual(await running(marker), [], `no ${c.slow} left running`);
    const left = readdirSync(tmp).filter((n) => !n.startsWith('tsx-'));
    assert.deepEqual(left, [], `left in TMPDIR: ${left.join(', ')}`);
  });
}
