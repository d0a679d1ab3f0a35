import { readFileSync } from 'node:fs';
import { multitrackSession } from './test/support/multitrack-session.js';
const s = await multitrackSession({ seed: 3, seconds: 150, bleedDb: -12, leavesEarly: 4, echoMs: Number(process.env.ECHO ?? 0) });
const dbg = JSON.parse(readFileSync('/tmp/bleed.json', 'utf8'));
console.log(dbg.map((d: any) => JSON.stringify([d.c, d.d])).join('\n'));
const i = 0; const p = s.people[i]!;
const own = s.truth.filter((t) => t.speaker === p.id);
for (const k of dbg[i].kept) {
  const ov = own.reduce((n, r) => n + Math.max(0, Math.min(r.end, k.end) - Math.max(r.start, k.start)), 0);
  if (k.end - k.start - ov > 0.5) {
    const who = s.truth.filter(r => r.start < k.end && r.end > k.start).map(r => `${r.speaker}@${r.start.toFixed(2)}-${r.end.toFixed(2)}`);
    const rivals = dbg.map((d: any, j: number) => d.regions.filter((r: any) => r.start < k.end && r.end > k.start).map((r: any) => `${j}:${r.start}-${r.end}`)).flat();
    console.log('extra', k.start, k.end, who.join(' '), '| rivals', rivals.join(' '));
  }
}
