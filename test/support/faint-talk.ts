/**
 * Talk far behind the table, for the VAD stage's faint-speech tests: a voice none of the players have, put after a
 * session at a chosen level relative to the session's own speech (measured the way the job measures it).
 */
import { frameLevelsOf, levelOf } from '../../job/audio/level.js';
import { voiceSample, type RpgSpeaker } from './rpg-session.js';

const STRANGER: RpgSpeaker = { id: 'tv', name: 'TV', voice: { voice: 'en+m2', pitch: 50, speed: 165 }, lang: 'en' };

/** Three sentences by a voice from outside the table, half a second apart (about 8 s). */
export async function strangerTalk(): Promise<Int16Array> {
  const gap = new Int16Array(8000);
  return Int16Array.from([...(await voiceSample(STRANGER, 0)), ...gap, ...(await voiceSample(STRANGER, 1)), ...gap, ...(await voiceSample(STRANGER, 2))]);
}

/** `pcm`, 2 s of silence, `talk` at `db` from `pcm`'s speech level, 1 s of silence; where the talk lies, in seconds. */
export function appendFaint(pcm: Int16Array, talk: Int16Array, db: number): { pcm: Int16Array; from: number; to: number } {
  const gain = 10 ** ((level(pcm) + db - level(talk)) / 20);
  const out = Int16Array.from([...pcm, ...new Int16Array(32000), ...Array.from(talk, (x) => Math.round(x * gain)), ...new Int16Array(16000)]);
  const from = pcm.length / 16000 + 2;
  return { pcm: out, from, to: from + talk.length / 16000 };
}

function level(pcm: Int16Array): number {
  return levelOf(frameLevelsOf(pcm), 0.95);
}
