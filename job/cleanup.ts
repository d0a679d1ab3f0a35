import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';

/**
 * The child processes (ffmpeg, whisper-cli) and temporary folders this process made, so that leaving at any moment
 * leaves none behind. A clean stop goes through the AbortSignal and `finally` blocks; this is for the exits that
 * skip them: a second Ctrl-C or SIGTERM answered with `process.exit`, an uncaught error. `exit` handlers must be
 * synchronous, hence SIGKILL and rmSync. Process-wide by nature: there is one process to clean up after.
 */
const children = new Set<ChildProcess>();
const folders = new Set<string>();

/** Registers a child until it exits. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/** Registers a temporary folder; `release` forgets it once the owner has removed it. */
export function trackFolder(path: string): { release(): void } {
  folders.add(path);
  return { release: () => folders.delete(path) };
}

/** Runs `work` with a scratch folder at `path`: created, tracked for the exits that skip `finally`, removed after. */
export async function withScratchFolder<T>(path: string, work: () => Promise<T>): Promise<T> {
  await mkdir(path, { recursive: true });
  const folder = trackFolder(path);
  try {
    return await work();
  } finally {
    await rm(path, { recursive: true, force: true });
    folder.release();
  }
}

/** Kills every tracked child and removes every tracked folder, synchronously. */
export function cleanUpNow(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/** How many children are running now (tests and diagnostics). */
export function runningChildren(): number {
  return children.size;
}

process.on('exit', cleanUpNow);
