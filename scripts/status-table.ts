/**
 * `make status`: a run's status.json (read from stdin) as a table a person reads at a glance: the run's state, then
 * one line per task (phase, chunk, progress, attempt, chunks done, last heard of). Not JSON-aware beyond that.
 * Usage: gcloud storage cat gs://…/status.json | npx tsx scripts/status-table.ts
 */
import { fileURLToPath } from 'node:url';
import { StatusSchema, type StatusDocument } from '../job/status.js';

export function statusTable(doc: StatusDocument, now = new Date()): string {
  const ago = (iso: string) => {
    const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
    return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
  };
  const lines = [
    `run ${doc.runId} (${doc.session}): ${doc.state}${doc.stage ? `, stage ${doc.stage}` : ''}${doc.progress ? ` ${Math.round(doc.progress.fraction * 100)} %` : ''}, updated ${ago(doc.updatedAt)}`,
  ];
  if (doc.error) lines.push(`error in ${doc.error.stage}: ${doc.error.message}`);
  if (doc.completion?.stats) lines.push(`done: ${Math.round(doc.completion.stats.audioSeconds / 60)} min of audio in ${Math.round(doc.completion.stats.wallSeconds / 60)} min`);
  const tasks = doc.tasks ?? [];
  if (tasks.length > 0) {
    const rows = [
      ['task', 'attempt', 'phase', 'chunk', 'progress', 'chunks done', 'updated'],
      ...tasks.map((t) => [String(t.index), String(t.attempt), t.phase, t.chunk ?? '', t.fraction === undefined ? '' : `${Math.round(t.fraction * 100)} %`, String(t.chunksDone), ago(t.updatedAt)]),
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const [i, r] of rows.entries()) {
      lines.push(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
      if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    }
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const parsed = StatusSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
  if (!parsed.success) {
    process.stderr.write('status-table: not a status.json this version of the job reads\n');
    process.exit(1);
  }
  process.stdout.write(statusTable(parsed.data) + '\n');
}
