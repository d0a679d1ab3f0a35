import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readWhisperVocab } from '../../../job/engines/whisper-vocab.js';
import { buildPrompt } from '../../../job/stages/prompt.js';
import { parseSessionContext } from '../../../lib/contracts/context.js';
import { scratchDir } from '../../support/fixtures.js';
import { TINY_DIMS, writeGgmlModel } from '../../support/ggml-model.js';

const small = parseSessionContext(`
speakers: [{id: camille, name: Camille, nicknames: [la MJ]}]
glossary:
  characters: [Eldrin, {name: "Kael'thas", aliases: [Kaeltas, Kael tas]}]
  places: [{name: Val-de-Brume, aliases: [Valdebrume]}]
  terms: [Dungeon Master]
`).context;

test('the prompt lists the names by kind, characters last', () => {
  const { text, leftOut } = buildPrompt(small, 'fr');
  assert.equal(text, "Termes : Dungeon Master. Lieux : Val-de-Brume. Joueurs : Camille, la MJ. Personnages : Eldrin, Kael'thas.");
  assert.deepEqual(leftOut, []);
  assert.match(buildPrompt(small, 'en').text!, /^Terms : Dungeon Master\. Places : /);
  assert.equal(buildPrompt(parseSessionContext('').context, 'fr').text, undefined);
});

/** 5 players and 300 glossary entries: far more than Whisper's 224 tokens. */
function bigContext() {
  const speakers = ['Camille', 'Hugo', 'Léa', 'Maxime', 'Inès'].map((n, i) => `{id: p${i}, name: ${n}${i === 1 ? ', character: Personnage149' : ''}}`).join(', ');
  const characters = Array.from({ length: 150 }, (_, i) => `Personnage${i}`).join(', ');
  const places = Array.from({ length: 100 }, (_, i) => `Lieu${i}`).join(', ');
  const terms = Array.from({ length: 50 }, (_, i) => `Terme${i}`).join(', ');
  return parseSessionContext(`speakers: [${speakers}]\nglossary:\n  characters: [${characters}]\n  places: [${places}]\n  terms: [${terms}]\n`).context;
}

test('a glossary of 300 entries gives a prompt inside the budget: players first, then the names of the previous chunk, then the rest', async () => {
  const model = join(scratchDir(), 'ggml-tiny-prompt.bin');
  await writeGgmlModel(model, TINY_DIMS, { seed: 3 });
  const vocab = readWhisperVocab(model);
  const budget = { tokens: 224 - 1 - 64, count: (t: string) => vocab.countTokens(t) };
  const context = bigContext();
  const first = buildPrompt(context, 'fr', { budget });
  assert.ok(first.text && first.tokens <= budget.tokens && first.tokens === vocab.countTokens(first.text), `${first.tokens} tokens`);
  assert.ok(first.tokens > budget.tokens - 8, `the budget is used (${first.tokens} of ${budget.tokens})`);
  assert.match(first.text, /Joueurs : Camille, Hugo, Léa, Maxime, Inès\./);
  assert.ok(first.text.includes('Personnage0,') && !first.text.includes('Personnage148'));
  assert.match(first.text, /Personnages : Personnage149, Personnage0,/, "a player's character goes in with the players");
  assert.equal(first.leftOut.length + (first.text.match(/,/g)?.length ?? 0) + (first.text.match(/\./g)?.length ?? 0), 305, 'every name is in or listed as left out');
  assert.ok(first.leftOut.includes('Personnage148') && first.leftOut.includes('Terme49') && !first.leftOut.includes('Camille'));

  const next = buildPrompt(context, 'fr', { budget, previousText: 'On retourne voir personnage148 à lieu99, puis Terme7.' });
  assert.ok(next.tokens <= budget.tokens);
  assert.ok(next.text!.includes('Personnage148') && next.text!.includes('Lieu99'), 'characters and places of the previous chunk go in');
  assert.ok(!next.leftOut.includes('Personnage148') && !next.leftOut.includes('Lieu99'));
  assert.ok(!next.text!.includes('Terme7'), 'terms are not promoted');

  // A previous chunk that named more places than the prompt holds: the players and their characters still go first.
  const crowded = buildPrompt(context, 'fr', { budget, previousText: Array.from({ length: 60 }, (_, i) => `Lieu${i}`).join(' et ') });
  assert.ok(crowded.tokens <= budget.tokens && crowded.leftOut.includes('Lieu59'));
  assert.match(crowded.text!, /Joueurs : Camille, Hugo, Léa, Maxime, Inès\./);
  assert.match(crowded.text!, /Personnages : Personnage149\./, "the character a player plays, and no other");
});
