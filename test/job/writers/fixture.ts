/**
 * A realistic transcript for the writer, report and archive tests: three speakers (one named from a voice sample,
 * one from an override, one left unmatched), French with accents and an English line, word timings on most
 * segments, a long monologue that must be split into several cues (with and without word timings), text with `<`
 * and `&`, overlapping and very short segments, an unlabelled low-confidence passage and a passage past the hour.
 */
import type { Segment, Transcript, Word } from '../../../job/transcript.js';

/** Words spread over [start, end] in proportion to their length, with a short pause between them. */
export function timedWords(text: string, start: number, end: number, speaker?: string): Word[] {
  const parts = text.split(/\s+/).filter(Boolean);
  const total = parts.reduce((n, p) => n + p.length + 1, 0);
  let t = start;
  return parts.map((p, i) => {
    const span = ((p.length + 1) / total) * (end - start);
    const w: Word = { start: round(t), end: round(t + span * 0.85), text: p, probability: 0.6 + ((i * 37) % 40) / 100 };
    if (speaker) w.speaker = speaker;
    t += span;
    return w;
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function seg(start: number, end: number, text: string, speaker: string | undefined, options: { words?: boolean; lang?: string; avgLogprob?: number } = {}): Segment {
  const s: Segment = { start, end, text, lang: options.lang ?? 'fr', avgLogprob: options.avgLogprob ?? -0.3 };
  if (speaker) s.speaker = speaker;
  if (options.words !== false) s.words = timedWords(text, start, end, speaker);
  return s;
}

export const LONG_FRENCH =
  "Vous entrez dans la taverne du Poney Fringant : l'air est épais, ça sent la bière renversée et le ragoût brûlé, " +
  "un barde désaccordé massacre une ballade elfique près de la cheminée, et au fond, derrière le comptoir, " +
  "l'aubergiste essuie le même verre depuis dix minutes en vous fixant d'un œil méfiant.";

export const LONG_UNTIMED =
  "D'accord, alors je m'approche du comptoir, je pose trois pièces d'argent et je demande s'il a vu passer " +
  'un nain avec une hache à double tranchant et une cape rouge, parce que franchement ça fait deux jours que ' +
  "l'on suit sa trace à travers la forêt et j'en ai assez de dormir sous la pluie.";

export function sampleTranscript(): Transcript {
  return {
    session: "2024-05-03 Campagne d'Éther",
    duration: 3730.5,
    language: 'fr',
    segments: [
      seg(1.0, 4.2, "Bonjour à tous, on reprend là où on s'était arrêtés.", 'Alice'),
      seg(4.5, 6.0, 'Le dragon se réveille.', 'Alice'),
      seg(6.4, 9.0, 'I cast fireball at the goblins!', 'Bob Le Barde', { lang: 'en' }),
      seg(9.2, 40.0, LONG_FRENCH, 'SPK3'),
      seg(40.5, 44.0, 'Si ton score est < 10 & que tu rates, tu tombes dans la fosse.', 'Alice'),
      seg(45.0, 47.0, 'Euh… attendez, quoi ?', undefined, { words: false, avgLogprob: -1.42 }),
      seg(47.2, 75.0, LONG_UNTIMED, 'Bob Le Barde', { words: false }),
      seg(74.5, 76.0, 'Oui, oui.', 'Alice'),
      seg(80.0, 80.05, 'Ok.', 'SPK3', { avgLogprob: -1.05 }),
      seg(80.1, 82.0, "D'accord, on continue.", 'Alice'),
      seg(3725.3, 3728.9, 'On fait une pause ? Il est tard.', 'Alice'),
    ],
    speakers: [
      { name: 'Alice', cluster: 'SPK1', talkSeconds: 17.1, turns: 6, confidence: 0.823, source: 'voice-sample' },
      { name: 'Bob Le Barde', cluster: 'SPK2', talkSeconds: 30.4, turns: 2, source: 'override' },
      { name: 'SPK3', cluster: 'SPK3', talkSeconds: 30.85, turns: 2, source: 'unmatched' },
    ],
    sources: [
      { name: 'partie-1.m4a', offset: 0, duration: 1800.25, format: 'mov,mp4,m4a,3gp,3g2,mj2' },
      { name: 'partie 2.mp3', offset: 1800.25, duration: 1930.25, format: 'mp3' },
    ],
    model: { asr: 'whisper.cpp large-v3-turbo q8_0', vad: 'silero v5', embedder: 'cam++ 192' },
  };
}
