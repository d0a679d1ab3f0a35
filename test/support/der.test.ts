import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diarizationErrorRate, nameAccuracy, type LabelledTurn } from './der.js';

const t = (start: number, end: number, speaker: string): LabelledTurn => ({ start, end, speaker });
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

const cases: Array<{ name: string; ref: LabelledTurn[]; hyp: LabelledTurn[]; collar: number; der: number; missed: number; falseAlarm: number; confusion: number }> = [
  { name: 'perfect, other label names', ref: [t(0, 10, 'A'), t(10, 20, 'B')], hyp: [t(0, 10, 'x'), t(10, 20, 'y')], collar: 0, der: 0, missed: 0, falseAlarm: 0, confusion: 0 },
  { name: 'all one label: half confused', ref: [t(0, 10, 'A'), t(10, 20, 'B')], hyp: [t(0, 20, 'x')], collar: 0, der: 0.5, missed: 0, falseAlarm: 0, confusion: 10 },
  { name: 'missed speech', ref: [t(0, 10, 'A')], hyp: [t(0, 6, 'x')], collar: 0, der: 0.4, missed: 4, falseAlarm: 0, confusion: 0 },
  { name: 'false alarm in silence', ref: [t(0, 10, 'A')], hyp: [t(0, 10, 'x'), t(12, 14, 'x')], collar: 0, der: 0.2, missed: 0, falseAlarm: 2, confusion: 0 },
  { name: 'overlapping reference, one hypothesis speaker', ref: [t(0, 10, 'A'), t(5, 10, 'B')], hyp: [t(0, 10, 'x')], collar: 0, der: 5 / 15, missed: 5, falseAlarm: 0, confusion: 0 },
  { name: 'a boundary 0.2 s late costs nothing with a 0.25 s collar', ref: [t(0, 10, 'A'), t(10, 20, 'B')], hyp: [t(0, 10.2, 'x'), t(10.2, 20, 'y')], collar: 0.25, der: 0, missed: 0, falseAlarm: 0, confusion: 0 },
  { name: '…and 0.2 s of confusion without it', ref: [t(0, 10, 'A'), t(10, 20, 'B')], hyp: [t(0, 10.2, 'x'), t(10.2, 20, 'y')], collar: 0, der: 0.01, missed: 0, falseAlarm: 0, confusion: 0.2 },
  { name: 'best mapping, not first come', ref: [t(0, 2, 'A'), t(2, 10, 'B')], hyp: [t(0, 10, 'x')], collar: 0, der: 0.2, missed: 0, falseAlarm: 0, confusion: 2 },
  { name: 'more hypothesis than reference speakers', ref: [t(0, 10, 'A')], hyp: [t(0, 7, 'x'), t(7, 10, 'y')], collar: 0, der: 0.3, missed: 0, falseAlarm: 0, confusion: 3 },
];

for (const c of cases) {
  test(`DER: ${c.name}`, () => {
    const r = diarizationErrorRate(c.ref, c.hyp, c.collar);
    close(r.der, c.der);
    close(r.missed, c.missed);
    close(r.falseAlarm, c.falseAlarm);
    close(r.confusion, c.confusion);
  });
}

test('DER maps hypothesis labels one-to-one onto the reference', () => {
  const r = diarizationErrorRate([t(0, 2, 'A'), t(2, 10, 'B')], [t(0, 10, 'x')], 0);
  assert.deepEqual([...r.mapping], [['x', 'B']]);
});

test('DER scores the collar-free reference time', () => {
  const r = diarizationErrorRate([t(0, 10, 'A')], [t(0, 10, 'A')], 0.25);
  close(r.scored, 9.5);
});

test('name accuracy compares labels as they are', () => {
  const ref = [t(0, 10, 'Alice'), t(10, 20, 'Bob')];
  close(nameAccuracy(ref, [t(0, 10, 'Alice'), t(10, 20, 'SPK2')], 0), 0.5);
  close(nameAccuracy(ref, [t(0, 10, 'Bob'), t(10, 20, 'Alice')], 0), 0);
  close(nameAccuracy(ref, [t(0, 15, 'Alice'), t(15, 20, 'Bob')], 0), 0.75);
});
