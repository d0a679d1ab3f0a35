/**
 * A long session's transcript, made up but shaped like a real one (for transcript.html's size test and bench):
 * five players talking over each other's pauses, lines of 2 to 9 s at about three words a second, glossary names
 * in the talk, a line in twenty doubtful, a correction every minute or so, a note every few minutes, and diarization
 * turns for the timeline. Seeded: the same hours give the same transcript.
 */
import type { Correction, Segment, SpeakerSummary, SpeakerTurn, Transcript } from '../../job/transcript.js';
import { mulberry32 } from './rpg-session.js';

export const LONG_GLOSSARY = ['Eldrin', 'Port-Sombre', 'Val-de-Brume', 'Morgane', 'la Tour d’Ivoire', 'Kael’thas', 'jet de sauvegarde'];

const WORDS = (
  'alors on va voir ce que le marchand nous propose avant de partir vers la forêt mais attention il fait nuit ' +
  'je lance les dés pour la perception et je regarde derrière la porte du temple où les gardes dorment encore ' +
  'tu es sûr que c’est une bonne idée franchement la dernière fois on a failli mourir dans les égouts ' +
  'okay I roll for initiative and cast a spell on the goblin near the bridge then we run'
).split(' ');

const PLAYERS = ['Camille', 'Hugo', 'Léa', 'Sam', 'Inès'];


export function longTranscript(hours: number, seed = 12): Transcript {
  const next = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const duration = hours * 3600;
  const segments: Segment[] = [];
  const turns: SpeakerTurn[] = [];
  const corrections: Correction[] = [];
  const talk = new Map<string, number>();
  let time = 1;
  // The game master talks most; players answer.
  let speaker = PLAYERS[0]!;
  while (time < duration - 10) {
    if (next() < 0.45) speaker = next() < 0.4 ? PLAYERS[0]! : pick(PLAYERS);
    const length = 2 + next() * 7;
    const words = Array.from({ length: Math.round(length * 3) }, () => (next() < 0.03 ? pick(LONG_GLOSSARY) : pick(WORDS)));
    const text = words.join(' ').replace(/^./, (c) => c.toUpperCase()) + (next() < 0.2 ? ' ?' : '.');
    const end = Math.min(duration, time + length);
    const lang = words.includes('roll') || words.includes('spell') ? 'en' : 'fr';
    segments.push({ start: round(time), end: round(end), text, speaker, lang, avgLogprob: next() < 0.05 ? -1.2 - next() : -0.1 - next() * 0.5 });
    const last = turns.at(-1);
    if (last && last.speaker === speaker && time - last.end < 1) last.end = round(end);
    else turns.push({ start: round(time), end: round(end), speaker });
    talk.set(speaker, (talk.get(speaker) ?? 0) + (end - time));
    const named = words.find((w) => LONG_GLOSSARY.includes(w));
    if (named && next() < 0.5) corrections.push({ start: round(time), end: round(end), speaker, before: named.toLowerCase().replace(/-/g, ' '), after: named, reason: next() < 0.5 ? 'alias' : 'sounds-like' });
    time = end + 0.2 + next() * 1.8;
  }
  const speakers: SpeakerSummary[] = PLAYERS.map((name, i) => ({ name, cluster: `SPK${i + 1}`, talkSeconds: round(talk.get(name) ?? 0), turns: turns.filter((t) => t.speaker === name).length, source: 'voice-sample' }));
  return {
    session: `Campagne de Port-Sombre, séance ${seed}`,
    duration,
    language: 'fr',
    segments,
    speakers,
    turns,
    sources: Array.from({ length: hours }, (_, i) => ({ name: `partie-${i + 1}.m4a`, offset: i * 3600, duration: 3600, format: 'mov,mp4,m4a,3gp,3g2,mj2/aac' })),
    model: { asr: 'whisper.cpp 1.9.1 (ggml-large-v3-turbo-q8_0.bin)', vad: 'Silero VAD v5 (onnxruntime-node)', embedder: 'CAM++ (onnxruntime-node)' },
    markers: Array.from({ length: Math.floor(duration / 400) }, (_, i) => ({ time: 200 + i * 400, text: `Note ${i + 1} : on fait le point` })),
    corrections,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
