/**
 * The real meeting excerpts of `../shared/real-speech/` (AMI via pyannote's test data: see its README), for the
 * speaker tests and benchmarks that generated voices cannot stand in for. The folder sits beside the clone in CI;
 * a user's clone has no such folder, and what needs it skips, saying so (`REAL_SPEECH_DIR` points elsewhere).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LabelledTurn } from './der.js';
import { scratchDir } from './fixtures.js';

const run = promisify(execFile);

export const REAL_SPEECH_DIR = resolve(process.env.REAL_SPEECH_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'real-speech'));

export interface RealExcerpt {
  name: string;
  flac: string;
  /** Who spoke when, overlaps as overlapping turns. */
  reference: LabelledTurn[];
  /** The scored span. */
  uem: { start: number; end: number };
}

export function realSpeechAvailable(): boolean {
  return existsSync(join(REAL_SPEECH_DIR, 'reference.rttm'));
}

/** Every excerpt with its reference, in name order. */
export function realExcerpts(): RealExcerpt[] {
  const rttm = readFileSync(join(REAL_SPEECH_DIR, 'reference.rttm'), 'utf8');
  const uem = readFileSync(join(REAL_SPEECH_DIR, 'reference.uem'), 'utf8');
  const turns = new Map<string, LabelledTurn[]>();
  for (const line of rttm.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'SPEAKER') continue;
    const start = Number(f[3]);
    const list = turns.get(f[1]!) ?? [];
    list.push({ start, end: start + Number(f[4]), speaker: f[7]! });
    turns.set(f[1]!, list);
  }
  const spans = new Map(
    uem
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 4)
      .map((f) => [f[0]!, { start: Number(f[2]), end: Number(f[3]) }] as const),
  );
  return [...spans.keys()].sort().map((name) => ({ name, flac: join(REAL_SPEECH_DIR, `${name}.flac`), reference: turns.get(name) ?? [], uem: spans.get(name)! }));
}

/** The excerpt as the pipeline's raw PCM file (16 kHz mono s16le), made once per test process. */
export async function excerptPcm(excerpt: RealExcerpt): Promise<string> {
  const out = join(scratchDir(), `real-${excerpt.name}.pcm`);
  if (!existsSync(out)) await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', excerpt.flac, '-ac', '1', '-ar', '16000', '-f', 's16le', out]);
  return out;
}

/** Seconds of the union of the reference's speech (whoever speaks) that `regions` cover. */
export function unionSeconds(reference: readonly LabelledTurn[], regions: ReadonlyArray<{ start: number; end: number }>): number {
  const spans = [...reference].sort((a, b) => a.start - b.start);
  const union: Array<[number, number]> = [];
  for (const t of spans) {
    const last = union[union.length - 1];
    if (last && t.start <= last[1]) last[1] = Math.max(last[1], t.end);
    else union.push([t.start, t.end]);
  }
  let covered = 0;
  for (const [a, b] of union) for (const r of regions) covered += Math.max(0, Math.min(b, r.end) - Math.max(a, r.start));
  return covered;
}
