/**
 * A small tabletop session made with espeak-ng: a French game master and an English-speaking player (plus two more
 * voices in the long variant), recorded as two parts, with a context.yaml holding the glossary and voice samples made
 * from other sentences of the same voices. Used by `make demo` and the end-to-end test.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { composeSession, speak, TEST_VOICES, wavBytes, type TimedUtterance, type Utterance } from './espeak.js';
import { encodeAs } from './fixtures.js';

const [GM, PLAYER, PLAYER2, PLAYER3] = TEST_VOICES as [typeof TEST_VOICES[0], typeof TEST_VOICES[0], typeof TEST_VOICES[0], typeof TEST_VOICES[0]];

// Each voice speaks several times in each part, as at a real table: diarization needs a few seconds of a voice
// before it calls it a speaker of its own.
const PART1: Utterance[] = [
  { text: 'Bienvenue à Port-Sombre. La brume recouvre les quais ce soir.', voice: GM, pauseBefore: 0.8, speaker: 'Camille' },
  { text: 'I walk to the tavern and look for Eldrin.', voice: PLAYER, pauseBefore: 0.6, speaker: 'Hugo' },
  { text: 'Eldrin est assis au fond, il vous fait signe de approcher.', voice: GM, pauseBefore: 0.5, speaker: 'Camille' },
  { text: 'Je lui demande des nouvelles de Val-de-Brume et de sa famille.', voice: PLAYER2, pauseBefore: 1.1, speaker: 'Léa' },
  { text: 'Il soupire. Les routes du nord sont coupées depuis trois jours.', voice: GM, pauseBefore: 0.7, speaker: 'Camille' },
  { text: 'Moi je reste près de la porte, je surveille la rue.', voice: PLAYER3, pauseBefore: 0.9, speaker: 'Sam' },
  { text: 'Can I roll for insight? I do not trust him at all.', voice: PLAYER, pauseBefore: 0.4, speaker: 'Hugo' },
  { text: 'Attends, on avait promis de ramener la relique au temple avant la nuit.', voice: PLAYER2, pauseBefore: 1.3, speaker: 'Léa' },
  { text: 'Je vois deux silhouettes encapuchonnées qui traversent la place.', voice: PLAYER3, pauseBefore: 0.6, speaker: 'Sam' },
];
const PART2: Utterance[] = [
  { text: 'Faites un jet de sauvegarde, le sol tremble sous vos pieds.', voice: GM, pauseBefore: 0.7, speaker: 'Camille' },
  { text: 'Seventeen, that should be enough to keep my balance.', voice: PLAYER, pauseBefore: 0.9, speaker: 'Hugo' },
  { text: 'On sort vite de la taverne avant que tout s’effondre.', voice: PLAYER3, pauseBefore: 0.4, speaker: 'Sam' },
  { text: 'Je lance un sort de lumière pour éclairer la ruelle.', voice: PLAYER2, pauseBefore: 0.8, speaker: 'Léa' },
  { text: 'La ruelle est vide, mais une odeur de soufre monte des égouts.', voice: GM, pauseBefore: 0.6, speaker: 'Camille' },
  { text: 'I draw my bow and move slowly towards the smell.', voice: PLAYER, pauseBefore: 1.0, speaker: 'Hugo' },
  { text: 'Je couvre Hugo, mon épée à la main, prêt à frapper.', voice: PLAYER3, pauseBefore: 0.5, speaker: 'Sam' },
  { text: 'Et moi je prépare une boule de feu, au cas où.', voice: PLAYER2, pauseBefore: 0.7, speaker: 'Léa' },
];

const SAMPLES: Record<string, { voice: typeof GM; text: string }> = {
  camille: { voice: GM, text: 'Je suis la meneuse de jeu, je décris le monde et les personnages que vous rencontrez.' },
  hugo: { voice: PLAYER, text: 'I play a ranger from the northern forests, I like archery and quiet evenings.' },
  lea: { voice: PLAYER2, text: 'Moi je joue une magicienne un peu distraite qui collectionne les grimoires anciens.' },
};

export const DEMO_CONTEXT = `# Demo session context (generated)
speakers:
  - { id: camille, name: Camille, nicknames: [la MJ], voice_samples: [voices/camille.wav] }
  - { id: hugo, name: Hugo, voice_samples: [voices/hugo.wav] }
  - { id: lea, name: Léa, voice_samples: [voices/lea.wav] }
  - { id: sam, name: Sam, voice_samples: [voices/sam-missing.wav] }
glossary:
  characters: [Eldrin]
  places: [Port-Sombre, { name: Val-de-Brume, aliases: [Val de Brume] }]
  terms: [jet de sauvegarde]
`;

export interface DemoSession {
  dir: string;
  /** Ground truth on the session timeline (part 2 follows part 1). */
  truth: TimedUtterance[];
  duration: number;
}

/** Writes the session into `dir` (replacing it): part-1.m4a, part-2.mp3, notes.txt, context/. */
export async function writeDemoSession(dir: string): Promise<DemoSession> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'context', 'voices'), { recursive: true });
  const one = await composeSession(PART1, 0.6);
  const two = await composeSession(PART2, 0.8);
  const tmp1 = join(dir, 'part-1.tmp.wav');
  const tmp2 = join(dir, 'part-2.tmp.wav');
  await writeFile(tmp1, wavBytes(one.pcm));
  await writeFile(tmp2, wavBytes(two.pcm));
  await encodeAs(tmp1, join(dir, 'part-1.m4a'), ['-ar', '44100', '-ac', '2', '-c:a', 'aac', '-b:a', '96k']);
  await encodeAs(tmp2, join(dir, 'part-2.mp3'), ['-ar', '44100', '-b:a', '96k']);
  await rm(tmp1);
  await rm(tmp2);
  // Not audio: the pipeline must skip it and say so in the report.
  await writeFile(join(dir, 'notes.txt'), 'Session 12 — notes de la MJ.\n');
  await writeFile(join(dir, 'context', 'context.yaml'), DEMO_CONTEXT);
  for (const [id, sample] of Object.entries(SAMPLES)) await speak(sample.text, sample.voice, join(dir, 'context', 'voices', `${id}.wav`));
  const offset = one.pcm.length / 16000;
  return {
    dir,
    truth: [...one.truth, ...two.truth.map((t) => ({ ...t, start: t.start + offset, end: t.end + offset }))],
    duration: offset + two.pcm.length / 16000,
  };
}
