import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecapModelError } from '../../../job/engines/recap-model.js';
import { parseRecapAnswer, RECAP_LIMITS, RECAP_SCHEMA } from '../../../job/recap/answer.js';

const full = { previously: 'P', events: [{ time: '0:00:01', text: 'e' }], characters: [], places: [], items: [], threads: [], quotes: [] };

describe("the recap model's answer", () => {
  it('is read when it follows the schema, and when a Markdown fence wraps it', () => {
    assert.equal(parseRecapAnswer(JSON.stringify(full)).previously, 'P');
    assert.equal(parseRecapAnswer('```json\n' + JSON.stringify(full) + '\n```').events.length, 1);
  });

  it('is malformed when it is not JSON, not the shape, empty or too large', () => {
    for (const [answer, says] of [
      ['Voici le résumé', /not JSON/],
      [JSON.stringify({ ...full, previously: 3 }), /does not follow the schema \(previously/],
      [JSON.stringify({ ...full, previously: '', events: [] }), /empty/],
      [JSON.stringify({ ...full, previously: 'x'.repeat(RECAP_LIMITS.answerBytes) }), /larger than 512 KB/],
    ] as const) {
      assert.throws(() => parseRecapAnswer(answer), (e: unknown) => e instanceof RecapModelError && e.kind === 'malformed' && says.test(e.message), answer.slice(0, 40));
    }
  });

  it('is cut to size, and a broken item costs that item only', () => {
    const many = { ...full, events: [...Array.from({ length: 100 }, (_, i) => ({ time: `0:00:${String(i % 60).padStart(2, '0')}`, text: `e${i}` })), { time: '0:00:01' }], threads: 'not a list', quotes: [{ text: 'no time' }, { time: '0:00:02', text: 'ok' }] };
    const parsed = parseRecapAnswer(JSON.stringify(many));
    assert.equal(parsed.events.length, RECAP_LIMITS.events);
    assert.deepEqual(parsed.threads, []);
    assert.deepEqual(parsed.quotes.map((q) => [q.time, q.text]), [['0:00:02', 'ok']]);
    assert.equal(parseRecapAnswer(JSON.stringify({ ...full, previously: 'y'.repeat(10_000) })).previously.length, RECAP_LIMITS.paragraphChars);
  });

  it('has a schema strict servers accept: every object closed and every key required', () => {
    const objects: Array<Record<string, unknown>> = [];
    const walk = (node: unknown) => {
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.type === 'object') objects.push(o);
      for (const v of Object.values(o)) walk(v);
    };
    walk(RECAP_SCHEMA);
    assert.ok(objects.length >= 4);
    for (const o of objects) {
      assert.equal(o.additionalProperties, false);
      assert.deepEqual([...(o.required as string[])].sort(), Object.keys(o.properties as object).sort());
    }
  });
});
