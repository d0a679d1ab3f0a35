import type { EmailLang } from '../lib/config/mailer.js';
import type { CompletionMessage, Stage } from '../lib/contracts/completion.js';
import { clipCluster, displayName } from '../lib/contracts/session.js';
import { clock, humanBytes } from '../lib/units.js';
import { LISTENING_FILE } from './attachment.js';

/**
 * The emails, in French (default) or English: what a person waiting for a transcript wants to know, in the order
 * they want it. Pure text, no HTML: it reads the same in every client and cannot be mangled.
 */
export type Delivery =
  /** withAudio: the session's audio.opus was added to the attached zip. */
  | { kind: 'attached'; filename: string; bytes: number; withAudio?: boolean }
  | { kind: 'link'; filename: string; url: string; expiresAt: Date }
  | { kind: 'unavailable'; location: string | undefined };

/** Signed links to transcript.html (which plays its audio from there) and to audio.opus, valid until `expiresAt`. */
export interface Listening {
  page?: string;
  audio?: { url: string; bytes: number };
  expiresAt: Date;
}

export interface Email {
  subject: string;
  text: string;
}

const STAGE_LABELS: Record<EmailLang, Record<Stage, string>> = {
  fr: {
    trigger: 'vérification du dépôt', config: 'configuration du service', fetch: 'téléchargement des enregistrements',
    decode: 'lecture des enregistrements', vad: 'détection de la parole', chunk: 'découpage', asr: 'transcription',
    merge: 'assemblage', speakers: 'identification des participants', glossary: 'glossaire', recap: 'résumé',
    render: 'mise en forme', archive: 'archive', upload: 'dépôt des résultats', publish: 'notification',
  },
  en: {
    trigger: 'upload check', config: 'service configuration', fetch: 'downloading the recordings', decode: 'reading the recordings',
    vad: 'speech detection', chunk: 'splitting', asr: 'transcription', merge: 'assembly', speakers: 'speaker identification',
    glossary: 'glossary', recap: 'recap', render: 'formatting', archive: 'archive', upload: 'saving the results',
    publish: 'notification',
  },
};

const FORMAT_LABELS: Record<EmailLang, Record<string, string>> = {
  fr: {
    'recap.md': 'le résumé de la séance : moments clés, personnages, lieux, butin, pistes en suspens',
    'transcript.md': 'la transcription à lire, avec les noms des participants', 'transcript.txt': 'le texte brut',
    'transcript.srt': 'sous-titres (SRT)', 'transcript.vtt': 'sous-titres (WebVTT)',
    'transcript.json': 'données complètes : mots, horaires, langues', 'transcript.rttm': 'tours de parole (RTTM, pour les outils)',
    'transcript.html': 'la page pour lire, chercher et réécouter la séance (à ouvrir dans un navigateur)',
    'audio.opus': 'l’enregistrement de la séance, que transcript.html fait écouter',
    'report.md': 'rapport qualité : passages douteux, fichiers ignorés', 'report.json': 'rapport qualité (données)',
  },
  en: {
    'recap.md': 'the session recap: key events, characters, places, loot, open threads',
    'transcript.md': 'the transcript to read, with speaker names', 'transcript.txt': 'plain text',
    'transcript.srt': 'subtitles (SRT)', 'transcript.vtt': 'subtitles (WebVTT)', 'transcript.json': 'full data: words, timings, languages',
    'transcript.rttm': 'speaker turns (RTTM, for tools)',
    'transcript.html': 'the page to read, search and listen to the session again (open it in a browser)',
    'audio.opus': 'the session’s recording, which transcript.html plays',
    'report.md': 'quality report: doubtful passages, skipped files',
    'report.json': 'quality report (data)',
  },
};

const T = {
  fr: {
    ready: (s: string) => `Transcription prête : ${s}`,
    failed: (s: string) => `Échec de la transcription : ${s}`,
    hello: 'Bonjour,',
    readyIntro: (s: string) => `La transcription de la séance « ${s} » est prête.`,
    failedIntro: (s: string) => `La transcription de la séance « ${s} » n'a pas pu aboutir.`,
    duration: 'Durée enregistrée',
    processed: 'traitée en',
    byTasks: (n: number) => `par ${n} tâches en parallèle`,
    recap: 'Résumé de la séance :',
    recapEvents: 'Les premiers moments clés :',
    recapAttached: 'Le résumé complet est joint à ce message (recap.md).',
    recapInZip: 'Le résumé complet est dans l’archive (recap.md).',
    speakers: 'Participants et temps de parole :',
    noSpeakers: 'Les participants n’ont pas pu être distingués dans cet enregistrement.',
    inside: (zip: string) => `Dans l'archive ${zip} :`,
    attached: (zip: string, size: string) => `L'archive ${zip} (${size}) est jointe à ce message.`,
    link: (zip: string, until: string) => `L'archive ${zip} est trop lourde pour être jointe. Téléchargez-la avec ce lien, valable jusqu'au ${until} :`,
    unavailable: (where: string) => `L'archive n'a pas pu être jointe ni partagée par lien${where ? ` ; les fichiers sont dans ${where}` : ''}.`,
    page: (until: string) => `Lire, chercher et réécouter la séance dans votre navigateur (lien valable jusqu'au ${until}) :`,
    audio: (size: string) =>
      `L'enregistrement (audio.opus, ${size}) n'est pas dans l'archive. Pour l'écouter dans transcript.html sans connexion, téléchargez-le avec ce lien et enregistrez-le dans le même dossier que transcript.html :`,
    voiceClip: (who: string) => `la voix de ${who} dans cette séance : ajoutez-la à ses échantillons de voix (voice_samples dans context.yaml) et la prochaine séance le nommera`,
    skipped: 'Fichiers ignorés :',
    warnings: 'À vérifier (le détail est dans report.md) :',
    noSpeech: 'Aucune parole n’a été détectée dans les enregistrements : rien n’a été transcrit. S’il y a bien de la parole (voix faibles, micro éloigné), ajoutez « vad_threshold: 0.3 » dans le fichier _READY et déposez-le de nouveau.',
    stage: 'Étape',
    problem: 'Ce qui ne va pas :',
    hint: 'Indice',
    todo: 'Que faire :',
    reference: 'Référence',
    advice: {
      trigger: 'Corrigez les points ci-dessus, puis déposez de nouveau le fichier _READY dans le dossier de la séance : chaque nouveau _READY relance une tentative.',
      input: 'Vérifiez que les enregistrements sont des fichiers audio complets et lisibles (m4a, mp3, wav, ogg, flac), remplacez ceux qui posent problème, puis déposez de nouveau le fichier _READY.',
      config: 'La configuration du service est incomplète : transférez ce message à la personne qui l’administre.',
      other: 'Une erreur technique a interrompu le traitement malgré plusieurs essais. Déposez de nouveau le fichier _READY pour réessayer ; si l’erreur revient, transférez ce message à la personne qui administre le service.',
    },
    locale: 'fr-FR',
  },
  en: {
    ready: (s: string) => `Transcript ready: ${s}`,
    failed: (s: string) => `Transcription failed: ${s}`,
    hello: 'Hello,',
    readyIntro: (s: string) => `The transcript of session "${s}" is ready.`,
    failedIntro: (s: string) => `The transcription of session "${s}" could not be completed.`,
    duration: 'Recorded duration',
    processed: 'processed in',
    byTasks: (n: number) => `by ${n} parallel tasks`,
    recap: 'Session recap:',
    recapEvents: 'The first key events:',
    recapAttached: 'The full recap is attached to this message (recap.md).',
    recapInZip: 'The full recap is in the archive (recap.md).',
    speakers: 'Speakers and talk time:',
    noSpeakers: 'Speakers could not be told apart in this recording.',
    inside: (zip: string) => `Inside ${zip}:`,
    attached: (zip: string, size: string) => `${zip} (${size}) is attached to this message.`,
    link: (zip: string, until: string) => `${zip} is too large to attach. Download it with this link, valid until ${until}:`,
    unavailable: (where: string) => `The archive could be neither attached nor shared by link${where ? `; the files are in ${where}` : ''}.`,
    page: (until: string) => `Read, search and listen to the session again in your browser (link valid until ${until}):`,
    audio: (size: string) =>
      `The recording (audio.opus, ${size}) is not in the archive. To listen to it in transcript.html offline, download it with this link and save it in the same folder as transcript.html:`,
    voiceClip: (who: string) => `${who}'s voice in this session: add it to their voice samples (voice_samples in context.yaml) and the next session names them`,
    skipped: 'Skipped files:',
    warnings: 'Worth checking (details in report.md):',
    noSpeech: 'No speech was found in the recordings, so nothing was transcribed. If there is speech (quiet voices, a distant microphone), add "vad_threshold: 0.3" to the _READY file and upload it again.',
    stage: 'Stage',
    problem: 'What is wrong:',
    hint: 'Hint',
    todo: 'What to do:',
    reference: 'Reference',
    advice: {
      trigger: 'Fix the points above, then upload the _READY file to the session folder again: each new _READY starts a new attempt.',
      input: 'Check that the recordings are complete, readable audio files (m4a, mp3, wav, ogg, flac), replace the faulty ones, then upload the _READY file again.',
      config: 'The service is not fully configured: forward this message to whoever runs it.',
      other: 'A technical error stopped the work despite several attempts. Upload the _READY file again to retry; if the error comes back, forward this message to whoever runs the service.',
    },
    locale: 'en-GB',
  },
} as const;

export interface EmailExtras {
  /** recap.md travels as a file of its own beside the zip (or the link). */
  recapAttached?: boolean;
  /** Signed links to transcript.html and its audio, when the run wrote them. */
  listening?: Listening;
}

export function renderEmail(message: CompletionMessage, delivery: Delivery, lang: EmailLang, extras: EmailExtras = {}): Email {
  // The name as people should read it: composed Unicode, no control characters, bounded.
  const m = { ...message, session: displayName(message.session) };
  return m.status === 'succeeded' ? successEmail(m, delivery, lang, extras) : failureEmail(m, lang);
}

function successEmail(m: CompletionMessage, delivery: Delivery, lang: EmailLang, extras: EmailExtras): Email {
  const { listening } = extras;
  const t = T[lang];
  const c = colon(lang);
  const lines: string[] = [t.hello, '', t.readyIntro(m.session), ''];
  if (m.stats?.speechSeconds === 0) lines.push(t.noSpeech, '');
  if (m.stats) {
    lines.push(`${t.duration}${c}${humanDuration(m.stats.audioSeconds)} (${t.processed} ${humanDuration(m.stats.wallSeconds)}${m.stats.tasks && m.stats.tasks > 1 ? ` ${t.byTasks(m.stats.tasks)}` : ''})`, '');
  }
  if (m.recap) {
    // What the group asks for first, once it knows the transcript is there.
    lines.push(t.recap, `  ${oneLine(m.recap.previously)}`, '');
    if (m.recap.events.length > 0) lines.push(t.recapEvents, ...m.recap.events.map((e) => `  - [${clock(Math.floor(e.time))}] ${oneLine(e.text)}`), '');
    lines.push(extras.recapAttached ? t.recapAttached : t.recapInZip, '');
  }
  if (m.stats) {
    const speakers = [...m.stats.speakers].sort((a, b) => b.talkSeconds - a.talkSeconds);
    const talk = speakers.reduce((sum, s) => sum + s.talkSeconds, 0);
    if (speakers.length > 0) {
      lines.push(t.speakers);
      for (const s of speakers) lines.push(`  - ${s.name}${c}${humanDuration(s.talkSeconds)} (${Math.round((100 * s.talkSeconds) / Math.max(talk, 1e-9))}${lang === 'fr' ? ' %' : '%'})`);
    } else lines.push(t.noSpeakers);
    lines.push('');
  }
  if (delivery.kind === 'attached') lines.push(t.attached(delivery.filename, humanBytes(delivery.bytes)), '');
  else if (delivery.kind === 'link') lines.push(t.link(delivery.filename, humanDate(delivery.expiresAt, lang)), delivery.url, '');
  else lines.push(t.unavailable(delivery.location ?? ''), '');
  const audioInZip = delivery.kind === 'attached' && delivery.withAudio === true;
  if (listening?.page) lines.push(t.page(humanDate(listening.expiresAt, lang)), listening.page, '');
  if (listening?.audio && !audioInZip) lines.push(t.audio(humanBytes(listening.audio.bytes)), listening.audio.url, '');

  const names = new Set((m.outputs?.files ?? []).map((uri) => uri.split('/').pop() ?? uri));
  if (!audioInZip) names.delete(LISTENING_FILE);
  const files = Object.keys(FORMAT_LABELS[lang]).filter((n) => names.has(n));
  const voices = [...names].filter((n) => clipCluster(n) !== undefined).sort();
  if (files.length + voices.length > 0) {
    lines.push(t.inside(delivery.kind === 'unavailable' ? `${m.session}.zip` : delivery.filename));
    for (const name of files) lines.push(`  - ${name}${c}${FORMAT_LABELS[lang][name]}`);
    for (const name of voices) lines.push(`  - ${name}${c}${t.voiceClip(clipCluster(name)!)}`);
    lines.push('');
  }
  const skipped = m.stats?.skippedFiles ?? [];
  if (skipped.length > 0) lines.push(t.skipped, ...skipped.map((s) => `  - ${s.name} (${s.reason})`), '');
  if (m.warnings.length > 0) lines.push(t.warnings, ...m.warnings.map((w) => `  - ${w.replace(/\s*\n\s*/g, ' ')}`), '');
  lines.push(`${t.reference}${c}${m.runId}`);
  return { subject: t.ready(m.session), text: lines.join('\n') + '\n' };
}

function failureEmail(m: CompletionMessage, lang: EmailLang): Email {
  const t = T[lang];
  const c = colon(lang);
  const stage = m.error?.stage ?? 'publish';
  const lines: string[] = [t.hello, '', t.failedIntro(m.session), ''];
  lines.push(`${t.stage}${c}${STAGE_LABELS[lang][stage]} (${stage})`, '', t.problem);
  for (const line of (m.error?.message ?? '').split('\n')) lines.push(`  ${line}`);
  if (m.error?.hint) lines.push('', `${t.hint}${c}${m.error.hint}`);
  lines.push('', t.todo, `  ${t.advice[adviceFor(stage)]}`, '', `${t.reference}${c}${m.runId}`);
  return { subject: t.failed(m.session), text: lines.join('\n') + '\n' };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** French typography puts a space before the colon. */
function colon(lang: EmailLang): string {
  return lang === 'fr' ? ' : ' : ': ';
}

function adviceFor(stage: Stage): 'trigger' | 'input' | 'config' | 'other' {
  if (stage === 'trigger') return 'trigger';
  if (stage === 'fetch' || stage === 'decode') return 'input';
  if (stage === 'config') return 'config';
  return 'other';
}

/** 11580 → "3 h 13 min"; 2700 → "45 min"; 38 → "38 s". */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  if (h === 0) return `${min} min`;
  return min === 0 ? `${h} h` : `${h} h ${String(min).padStart(2, '0')} min`;
}

/** Dates in UTC, named as such: recipients may live in several time zones. */
export function humanDate(date: Date, lang: EmailLang): string {
  return new Intl.DateTimeFormat(T[lang].locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(date) + ' UTC';
}
