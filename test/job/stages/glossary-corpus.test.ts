import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { glossaryEntries, parseSessionContext, speakerName } from '../../../lib/contracts/context.js';
import { applyGlossary } from '../../../job/stages/glossary.js';
import { loadOrdinaryWords } from '../../../job/stages/wordlist.js';

/**
 * The glossary against a corpus of 300 role-playing lines (test/fixtures/glossary-corpus: misheard names the way a
 * recogniser writes them, ordinary words close to the names, names already right), written apart from the code.
 * Precision first: no ordinary word may change; at least 90 % of the misheard names are corrected.
 */
const dir = new URL('../../fixtures/glossary-corpus/', import.meta.url);
const { context } = parseSessionContext(readFileSync(new URL('context.yaml', dir), 'utf8'));
const rows = readFileSync(new URL('corpus.tsv', dir), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [kind, input, expected] = line.split('\t') as [string, string, string];
    return { kind, input, expected };
  });

/** How many whitespace words differ between two lines (what their longest common subsequence leaves out of the longer). */
function changedWords(a: string, b: string): number {
  const x = a.split(/\s+/);
  const y = b.split(/\s+/);
  // Longest common subsequence of whitespace words: what is not in it changed.
  const t = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) t[i]![j] = x[i] === y[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  return Math.max(x.length, y.length) - t[0]![0]!;
}

test('glossary corpus: precision and recall of the corrections (printed), targets met', async () => {
  assert.ok(rows.length >= 200, `${rows.length} lines`);
  const ordinary = await loadOrdinaryWords(['fr']);
  assert.deepEqual(ordinary.missing, [], 'the word lists are installed (make install does it)');
  const names = context.speakers.flatMap((s) => [speakerName(s), ...s.nicknames]);
  const entries = glossaryEntries(context);
  let expectedFixes = 0;
  let fixed = 0;
  let wrongChanges = 0;
  let toCheckMisheard = 0;
  let toCheckOther = 0;
  const problems: string[] = [];
  for (const row of rows) {
    const { segments, corrections, toCheck } = applyGlossary([{ start: 0, end: 5, text: row.input }], entries, { ordinary, names });
    const out = segments[0]!.text;
    if (row.kind === 'misheard') toCheckMisheard += toCheck.length;
    else toCheckOther += toCheck.length;
    for (const n of toCheck) problems.push(`to check: "${n.text}" (${n.likely}?) in "${row.input}"`);
    const needed = changedWords(row.input, row.expected);
    expectedFixes += needed;
    if (out === row.expected) {
      fixed += needed;
      continue;
    }
    const left = changedWords(out, row.expected);
    // Every change made was one of the expected ones when the output lies on the way from the input to the expected line.
    const onTheWay = changedWords(row.input, out) + left === needed;
    if (onTheWay) {
      fixed += needed - left;
      problems.push(`missed ${row.kind}: "${row.input}" → "${out}" (expected "${row.expected}")`);
    } else {
      wrongChanges += Math.max(1, changedWords(row.input, out) - (needed - left));
      problems.push(`WRONG  ${row.kind}: "${row.input}" → "${out}" (expected "${row.expected}") ${corrections.map((c) => c.detail).join('; ')}`);
    }
  }
  const changesMade = fixed + wrongChanges;
  const precision = changesMade === 0 ? 1 : fixed / changesMade;
  const recall = fixed / expectedFixes;
  console.log(`glossary corpus: ${rows.length} lines, ${expectedFixes} misheard names: corrected ${fixed} (recall ${(100 * recall).toFixed(1)} %), wrong changes ${wrongChanges} (precision ${(100 * precision).toFixed(1)} %); listed to check: ${toCheckMisheard} in misheard lines, ${toCheckOther} elsewhere`);
  for (const p of problems) console.log(`  ${p}`);
  assert.equal(wrongChanges, 0, 'no ordinary word changed, no name made wrong');
  assert.ok(recall >= 0.9, `recall ${(100 * recall).toFixed(1)} % ≥ 90 %`);
  assert.ok(toCheckMisheard > 0, 'names missed by the thresholds are listed to check');
});
