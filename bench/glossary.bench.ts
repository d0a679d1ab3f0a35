/**
 * The glossary's cost on a 4-hour session: 20,000 lines of role-play (the test corpus's lines, some of their words
 * misspelt further), the corpus's campaign, the word lists loaded once. Prints the time to load the word lists, to
 * correct the lines, the corrections made and the peak RSS.
 */
import { readFileSync } from 'node:fs';
import { glossaryEntries, parseSessionContext, speakerName } from '../lib/contracts/context.js';
import { applyGlossary } from '../job/stages/glossary.js';
import { loadOrdinaryWords } from '../job/stages/wordlist.js';

const dir = new URL('../test/fixtures/glossary-corpus/', import.meta.url);
const { context } = parseSessionContext(readFileSync(new URL('context.yaml', dir), 'utf8'));
const rows = readFileSync(new URL('corpus.tsv', dir), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[1]!);
const LINES = Number(process.env.BENCH_LINES ?? 20_000);
// Every seventh line gets its first word misspelt further, so that the memo of verdicts does not answer everything.
const segments = Array.from({ length: LINES }, (_, i) => ({ start: i, end: i + 1, text: rows[i % rows.length]!.replace(/\p{L}+/u, (m) => m + (i % 7 === 0 ? `x${i % 97}` : '')) }));

const t0 = performance.now();
const ordinary = await loadOrdinaryWords(['fr']);
const t1 = performance.now();
const names = context.speakers.flatMap((s) => [speakerName(s), ...s.nicknames]);
const result = applyGlossary(segments, glossaryEntries(context), { ordinary, names });
const t2 = performance.now();
console.log(
  `glossary: ${LINES} lines (≈ a 4-hour session), ${glossaryEntries(context).length} glossary names + ${names.length} players: ` +
    `word lists loaded in ${((t1 - t0) / 1000).toFixed(2)} s (${ordinary.files.length} files), lines corrected in ${((t2 - t1) / 1000).toFixed(2)} s ` +
    `(${result.corrections.length} corrections, ${result.toCheck.length} to check), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
);
