import type { EmailLang } from '../../lib/config/mailer.js';

/**
 * The words of transcript.html, in the emails' two languages. `page` is what the page's script shows (search counts,
 * the missing-audio notice), handed to it as JSON; the rest is written into the HTML.
 */
export type PageLang = EmailLang;

export interface PageWords {
  locale: string;
  date: string;
  duration: string;
  sources: string;
  languages: string;
  speakers: string;
  talkTime: string;
  share: string;
  timeline: string;
  timelineHint: string;
  transcript: string;
  noSpeech: string;
  noSpeakers: string;
  unnamed: string;
  speech: string;
  note: string;
  everyone: string;
  search: string;
  previous: string;
  next: string;
  keys: string;
  legend: string;
  doubtful: string;
  corrected: (before: string, reason: 'alias' | 'sounds-like') => string;
  linkTitle: string;
  made: string;
  /** For the page's script: "<n> <match> <in> <t> <turn>", singular then plural. */
  page: {
    match: [string, string];
    in: string;
    turn: [string, string];
    none: string;
    noAudio: string;
  };
}

const FR: PageWords = {
  locale: 'fr-FR',
  date: 'Date',
  duration: 'Durée',
  sources: 'Enregistrements',
  languages: 'Langues',
  speakers: 'Participants',
  talkTime: 'Temps de parole',
  share: 'Part',
  timeline: 'Qui parle quand',
  timelineHint: 'Cliquez sur la frise pour aller à ce moment.',
  transcript: 'Transcription',
  noSpeech: 'Aucune parole n’a été transcrite.',
  noSpeakers: 'Les participants n’ont pas pu être distingués.',
  unnamed: 'Sans nom',
  speech: 'Parole',
  note: 'Note',
  everyone: 'Tout le monde',
  search: 'Chercher (accents et majuscules ignorés)',
  previous: 'Résultat précédent',
  next: 'Résultat suivant',
  keys: 'Clic sur une ligne : l’écouter · espace : lecture/pause · j / k : tour suivant/précédent · / : chercher',
  legend: 'Souligné en pointillés : passage incertain, à réécouter. Surligné : nom du glossaire. Nom corrigé : survolez-le pour voir ce qui avait été entendu.',
  doubtful: 'Passage incertain : à réécouter',
  corrected: (before, reason) => `Entendu « ${before} » (${reason === 'alias' ? 'variante du glossaire' : 'son proche d’un nom du glossaire'})`,
  linkTitle: 'Lien vers ce moment (à copier et partager)',
  made: 'Transcrit par jdr-transcriber',
  page: {
    match: ['résultat', 'résultats'],
    in: 'dans',
    turn: ['tour', 'tours'],
    none: 'Aucun résultat',
    noAudio:
      'L’enregistrement (audio.opus) n’est pas à côté de cette page. Pour écouter la séance, téléchargez audio.opus avec le lien de l’e-mail (ou prenez-le dans le dossier des résultats), enregistrez-le dans le même dossier que cette page, puis rouvrez-la.',
  },
};

const EN: PageWords = {
  locale: 'en-GB',
  date: 'Date',
  duration: 'Duration',
  sources: 'Recordings',
  languages: 'Languages',
  speakers: 'Speakers',
  talkTime: 'Talk time',
  share: 'Share',
  timeline: 'Who spoke when',
  timelineHint: 'Click the timeline to go to that moment.',
  transcript: 'Transcript',
  noSpeech: 'No speech was transcribed.',
  noSpeakers: 'Speakers could not be told apart.',
  unnamed: 'Unnamed',
  speech: 'Speech',
  note: 'Note',
  everyone: 'Everyone',
  search: 'Search (accents and case ignored)',
  previous: 'Previous match',
  next: 'Next match',
  keys: 'Click a line: listen to it · space: play/pause · j / k: next/previous turn · /: search',
  legend: 'Dotted underline: uncertain passage, worth a listen. Highlighted: a glossary name. Corrected name: hover it to see what was heard.',
  doubtful: 'Uncertain passage: worth a listen',
  corrected: (before, reason) => `Heard "${before}" (${reason === 'alias' ? 'a glossary variant' : 'sounds like a glossary name'})`,
  linkTitle: 'Link to this moment (copy it to share)',
  made: 'Transcribed by jdr-transcriber',
  page: {
    match: ['match', 'matches'],
    in: 'in',
    turn: ['turn', 'turns'],
    none: 'No match',
    noAudio:
      'The recording (audio.opus) is not next to this page. To listen to the session, download audio.opus with the link in the email (or take it from the results folder), save it in the same folder as this page, then open the page again.',
  },
};

export const PAGE_WORDS: Record<PageLang, PageWords> = { fr: FR, en: EN };
