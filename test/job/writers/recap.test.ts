import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderOutputs } from '../../../job/stages/render.js';
import type { Recap } from '../../../job/transcript.js';
import { renderJson, type TranscriptJson } from '../../../job/writers/json.js';
import { RECAP_FILE, renderRecapMarkdown } from '../../../job/writers/recap.js';
import { sampleTranscript } from './fixture.js';

export const RECAP: Recap = {
  language: 'fr',
  previously: 'Les héros arrivent à Port-Sombre et cherchent *Eldrin*.',
  events: [
    { time: 4.5, text: 'Le dragon se réveille.' },
    { time: 3725.9, text: 'La troupe fait une pause.' },
  ],
  characters: [{ name: 'Eldrin', note: "l'elfe de la taverne" }, { name: 'Le dragon' }],
  places: [{ name: 'Port-Sombre', note: 'la ville portuaire' }],
  items: [],
  threads: ['Retrouver la relique.'],
  quotes: [{ time: 6.4, speaker: 'Bob Le Barde', text: 'I cast fireball at the goblins!' }],
  model: 'gemini-3.5-flash on Vertex AI (europe-west1)',
};

describe('recap.md', () => {
  const md = renderRecapMarkdown("2024-05-03 Campagne d'Éther", RECAP);

  it('has every part of the recap, in French, each event and quote at its time', () => {
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['Précédemment…', 'Les moments clés', 'Personnages rencontrés', 'Lieux', 'Objets et butin', 'Pistes en suspens', 'Répliques mémorables']);
    assert.match(md, /^# Résumé de la séance : 2024-05-03 Campagne d'Éther$/m);
    assert.match(md, /^Les héros arrivent à Port-Sombre et cherchent \\\*Eldrin\\\*\.$/m, 'spoken text is not markup');
    assert.match(md, /^- \[0:00:04\] Le dragon se réveille\.\n- \[1:02:05\] La troupe fait une pause\.$/m);
    assert.match(md, /^- \*\*Eldrin\*\* — l'elfe de la taverne\n- \*\*Le dragon\*\*$/m);
    assert.match(md, /## Objets et butin\n\n_Rien de noté\._/);
    assert.match(md, /^> I cast fireball at the goblins!\n> — Bob Le Barde, \[0:00:06\]$/m);
    assert.match(md, /écrit par gemini-3\.5-flash on Vertex AI \(europe-west1\)/);
  });

  it('has English headings for a session in another language', () => {
    assert.match(renderRecapMarkdown('s', { ...RECAP, language: 'de' }), /^## Key events$/m);
  });

  it('is rendered beside the transcript when there is a recap, and transcript.json carries it', () => {
    const t = { ...sampleTranscript(), recap: RECAP };
    const files = renderOutputs(t, { formats: ['json'] });
    assert.deepEqual(files.map((f) => f.name), ['transcript.json', RECAP_FILE]);
    assert.equal(files[1]!.contentType, 'text/markdown; charset=utf-8');
    const json = JSON.parse(renderJson(t)) as TranscriptJson;
    assert.deepEqual(json.recap, { ...RECAP, events: [{ time: 4.5, text: 'Le dragon se réveille.' }, { time: 3725.9, text: 'La troupe fait une pause.' }] });
    assert.deepEqual(renderOutputs(sampleTranscript(), { formats: ['json'] }).map((f) => f.name), ['transcript.json']);
    assert.equal((JSON.parse(renderJson(sampleTranscript())) as TranscriptJson).recap, undefined);
  });
});
