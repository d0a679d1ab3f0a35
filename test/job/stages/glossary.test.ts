import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyGlossary } from '../../../job/stages/glossary.js';
import { glossaryEntries, parseSessionContext } from '../../../lib/contracts/context.js';
import { loadOrdinaryWords } from '../../../job/stages/wordlist.js';

const { context } = parseSessionContext(`
speakers: [{id: camille, name: Camille, nicknames: [la MJ]}]
glossary:
  characters: [Eldrin, {name: "Kael'thas", aliases: [Kaeltas, Kael tas]}]
  places: [{name: Val-de-Brume, aliases: [Valdebrume]}]
  terms: [Dungeon Master]
`);
const entries = glossaryEntries(context);

const cases: Array<[string, string]> = [
  ['eldrin arrive', 'Eldrin arrive'],
  ['Kaeltas et kael tas', "Kael'thas et Kael'thas"],
  ["kael'thas", "Kael'thas"],
  ['on part pour val de brume', 'on part pour Val-de-Brume'],
  ['VALDEBRUME !', 'Val-de-Brume !'],
  ['le dungeon master parle', 'le Dungeon Master parle'],
  ['Eldrinor et Keldrin restent', 'Eldrinor et Keldrin restent'],
  ['Éldrin', 'Eldrin'],
];

for (const [input, expected] of cases) {
  test(`glossary: "${input}"`, () => {
    const { segments } = applyGlossary([{ start: 0, end: 1, text: input }], entries);
    assert.equal(segments[0]!.text, expected);
  });
}

test('glossary counts replacements and leaves correct spellings alone', () => {
  const { replacements } = applyGlossary(
    [
      { start: 0, end: 1, text: 'Eldrin et eldrin' },
      { start: 1, end: 2, text: 'Kaeltas' },
    ],
    entries,
  );
  assert.deepEqual(replacements, { Eldrin: 1, "Kael'thas": 1 });
});

// Sounds-like corrections need the word lists (Debian's wfrench, wamerican, wbritish: `make install` installs them).
const campaign = parseSessionContext(`
speakers: [{id: ines, name: Inès}]
glossary:
  characters: [Ektaron, Sylvaëlle, Hectorius]
  places: [Citadelle de Verre]
  terms: [Ordre du Silure]
`).context;
const ordinaryWords = () => loadOrdinaryWords(['fr']);

test('sounds-like: a misheard name is corrected, its word keeps its timing, the report gets time, speaker, before → after and why', async () => {
  const words = [
    { text: 'Hectaron', start: 12.3, end: 12.9, probability: 0.4, speaker: 'Inès' },
    { text: 'attaque', start: 12.9, end: 13.4, probability: 0.9, speaker: 'Inès' },
    { text: "l'hector.", start: 13.5, end: 14.1, probability: 0.8, speaker: 'Inès' },
  ];
  const segment = { start: 12.3, end: 14.1, text: "Hectaron attaque l'hector.", speaker: 'Inès', words };
  const { segments, corrections, replacements } = applyGlossary([segment], glossaryEntries(campaign), { ordinary: await ordinaryWords() });
  assert.equal(segments[0]!.text, "Ektaron attaque l'hector.", '"hector" is an ordinary word');
  assert.deepEqual(segments[0]!.words, [{ ...words[0]!, text: 'Ektaron' }, words[1], words[2]]);
  assert.deepEqual(replacements, { Ektaron: 1 });
  assert.equal(corrections.length, 1);
  const c = corrections[0]!;
  assert.deepEqual({ start: c.start, end: c.end, speaker: c.speaker, before: c.before, after: c.after, reason: c.reason }, { start: 12.3, end: 12.9, speaker: 'Inès', before: 'Hectaron', after: 'Ektaron', reason: 'sounds-like' });
  assert.match(c.detail!, /sounds the same, 2 letters apart, no ordinary word/);
});

test('sounds-like: a name heard in two words becomes one word spanning both; an elision stays', async () => {
  const words = [
    { text: "C'est", start: 1, end: 1.2 },
    { text: "l'Ek", start: 1.2, end: 1.5 },
    { text: 'taron', start: 1.5, end: 1.9 },
    { text: '!', start: 1.9, end: 2 },
  ];
  const { segments, corrections } = applyGlossary([{ start: 1, end: 2, text: "C'est l'Ek taron !", words }], glossaryEntries(campaign), { ordinary: await ordinaryWords() });
  assert.equal(segments[0]!.text, "C'est l'Ektaron !");
  assert.deepEqual(segments[0]!.words, [words[0], { text: "l'Ektaron", start: 1.2, end: 1.9 }, words[3]]);
  assert.deepEqual([corrections[0]!.before, corrections[0]!.start, corrections[0]!.end], ['Ek taron', 1.2, 1.9]);
});

test('several corrections in one line, the last over two words: every word keeps its timing', async () => {
  const words = [
    { text: 'Hectaron', start: 1, end: 1.5 },
    { text: 'voit', start: 1.5, end: 1.8 },
    { text: 'Ek', start: 1.8, end: 2 },
    { text: 'taron.', start: 2, end: 2.4 },
  ];
  const { segments } = applyGlossary([{ start: 1, end: 2.4, text: 'Hectaron voit Ek taron.', words }], glossaryEntries(campaign), { ordinary: await ordinaryWords() });
  assert.equal(segments[0]!.text, 'Ektaron voit Ektaron.');
  assert.deepEqual(segments[0]!.words, [{ text: 'Ektaron', start: 1, end: 1.5 }, words[1], { text: 'Ektaron.', start: 1.8, end: 2.4 }]);
});

test('ordinary words are never changed alone; inside a name whose other words are there, one may be', async () => {
  const ordinary = await ordinaryWords();
  const lines = ['Un silure dans le lac.', 'Le vert de la potion.', 'La citadelle est en ruine.', 'On arrive à la Citadelle de Vert.', "L'Ordre du Silur nous attend."];
  const { segments } = applyGlossary(lines.map((text, i) => ({ start: i, end: i + 1, text })), glossaryEntries(campaign), { ordinary });
  assert.deepEqual(segments.map((s) => s.text), ['Un silure dans le lac.', 'Le vert de la potion.', 'La citadelle est en ruine.', 'On arrive à la Citadelle de Verre.', "L'Ordre du Silure nous attend."]);
});

test('names of three letters are never matched by sound; names of five or fewer allow one letter', async () => {
  const ordinary = await ordinaryWords();
  const small = parseSessionContext('glossary: {characters: [Zug, Kiara]}').context;
  const { segments } = applyGlossary([{ start: 0, end: 1, text: 'Zugg et Quiara arrivent.' }], glossaryEntries(small), { ordinary });
  assert.equal(segments[0]!.text, 'Zugg et Quiara arrivent.');
  const { segments: one } = applyGlossary([{ start: 0, end: 1, text: 'Kiarra arrive.' }], glossaryEntries(small), { ordinary });
  assert.equal(one[0]!.text, 'Kiara arrive.');
});

test('a name heard with an article stuck to it is the name: "d\'Aldor" → Daldor', async () => {
  const ordinary = await ordinaryWords();
  const { segments } = applyGlossary([{ start: 0, end: 1, text: "Voici d'Aldor et l'Ectaron." }], glossaryEntries(parseSessionContext('glossary: {characters: [Daldor, Ektaron]}').context), { ordinary });
  assert.equal(segments[0]!.text, "Voici Daldor et l'Ektaron.");
});

test('near misses are left as they are and listed to check with the likely name; player names count as names', async () => {
  const ordinary = await ordinaryWords();
  const { segments, toCheck } = applyGlossary(
    [{ start: 5, end: 7, text: 'Sylvaël et Inesse arrivent.', speaker: 'Hugo' }, { start: 8, end: 9, text: 'Iness lance.' }],
    glossaryEntries(campaign),
    { ordinary, names: ['Inès'] },
  );
  assert.equal(segments[0]!.text, 'Sylvaël et Inesse arrivent.');
  assert.equal(segments[1]!.text, 'Inès lance.', 'a player name, corrected');
  assert.deepEqual(toCheck.map((n) => [n.text, n.likely, n.speaker]), [['Sylvaël', 'Sylvaëlle', 'Hugo']]);
});

test('without word lists, only the aliases and the names written otherwise are applied', () => {
  const { segments, corrections } = applyGlossary([{ start: 0, end: 1, text: 'Hectaron et ektaron.' }], glossaryEntries(campaign));
  assert.equal(segments[0]!.text, 'Hectaron et Ektaron.');
  assert.deepEqual(corrections.map((c) => [c.before, c.reason]), [['ektaron', 'alias']]);
});
