/**
 * A hand-made two-minute session for transcript.html's tests: three named players and a line nobody was named for,
 * glossary names with and without accents (Eldrin, Éldrin, Port-Sombre), the glossary's corrections as the glossary
 * stage reports them (what was heard, what it became), a doubtful line, notes on the timeline, two turns starting in
 * the same second, and a player who typed markup into the chat of a recorder (text that must stay text).
 */
import type { Segment, Transcript } from '../../../job/transcript.js';

function seg(start: number, end: number, text: string, speaker?: string, avgLogprob = -0.3, lang = 'fr'): Segment {
  return { start, end, text, lang, avgLogprob, ...(speaker ? { speaker } : {}) };
}

export const PAGE_GLOSSARY = ['Eldrin', 'Port-Sombre', 'Val-de-Brume'];

export const SCRIPT_TEXT = '<script>window.pwned = true</script> & <b>gras</b>';

export function pageTranscript(): Transcript {
  return {
    session: 'Séance 12 <Port-Sombre>',
    duration: 120,
    language: 'fr',
    segments: [
      seg(1.2, 4.8, 'Bienvenue à Port-Sombre. La brume recouvre les quais.', 'Camille'),
      seg(5.1, 8.0, 'I walk to the tavern and look for Eldrin.', 'Hugo', -0.2, 'en'),
      seg(8.4, 12.0, 'Eldrin est assis au fond, il vous fait signe.', 'Camille'),
      seg(20.3, 24.0, 'Je demande des nouvelles de Val-de-Brume.', 'Léa'),
      seg(24.5, 27.9, 'Les routes du nord sont coupées.', 'Camille'),
      seg(30.2, 33.0, 'Euh… on fait quoi maintenant ?', undefined, -1.4),
      seg(40.0, 44.0, SCRIPT_TEXT, 'Hugo', -0.2, 'en'),
      seg(50.1, 54.0, 'ÉLDRIN se lève et sort par la porte de derrière.', 'Camille'),
      seg(54.2, 57.0, 'On le suit discrètement.', 'Léa'),
      seg(65.3, 65.8, 'Attendez.', 'Hugo', -0.2, 'en'),
      seg(65.9, 70.0, 'Trop tard, il a disparu dans la brume.', 'Camille'),
      seg(90.0, 95.5, 'Je cherche des traces au sol près de la porte.', 'Léa'),
      seg(100.0, 104.0, 'Vous trouvez un pendentif aux armes de Val-de-Brume.', 'Camille'),
    ],
    speakers: [
      { name: 'Camille', cluster: 'SPK1', talkSeconds: 26.0, turns: 6, confidence: 0.8, source: 'voice-sample' },
      { name: 'Léa', cluster: 'SPK2', talkSeconds: 15.0, turns: 3, source: 'voice-sample' },
      { name: 'Hugo', cluster: 'SPK3', talkSeconds: 7.4, turns: 3, source: 'voice-sample' },
    ],
    turns: [
      { start: 1.2, end: 4.8, speaker: 'Camille' },
      { start: 5.1, end: 8.0, speaker: 'Hugo' },
      { start: 8.4, end: 12.0, speaker: 'Camille' },
      { start: 20.3, end: 24.0, speaker: 'Léa' },
      { start: 24.5, end: 27.9, speaker: 'Camille' },
      { start: 40.0, end: 44.0, speaker: 'Hugo' },
      { start: 50.1, end: 54.0, speaker: 'Camille' },
      { start: 54.2, end: 57.0, speaker: 'Léa' },
      { start: 65.3, end: 65.8, speaker: 'Hugo' },
      { start: 65.9, end: 70.0, speaker: 'Camille' },
      { start: 90.0, end: 95.5, speaker: 'Léa' },
      { start: 100.0, end: 104.0, speaker: 'Camille' },
    ],
    sources: [{ name: 'session-12.m4a', offset: 0, duration: 120, format: 'mov,mp4,m4a,3gp,3g2,mj2/aac' }],
    model: { asr: 'whisper.cpp 1.9.1 (ggml-large-v3-turbo-q8_0.bin)', vad: 'Silero VAD v5' },
    markers: [
      { time: 35, text: 'Pause <pizza>' },
      { time: 80, text: 'Retour' },
    ],
    corrections: [
      { start: 9.0, end: 9.6, speaker: 'Camille', before: 'Elle drain', after: 'Eldrin', reason: 'sounds-like' },
      { start: 21.5, end: 23.8, speaker: 'Léa', before: 'Val de Brume', after: 'Val-de-Brume', reason: 'alias' },
    ],
  };
}
