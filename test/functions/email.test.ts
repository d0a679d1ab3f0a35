import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDate, humanDuration, renderEmail } from '../../functions/email.js';
import { humanBytes } from '../../lib/units.js';
import { encodedSize } from '../../functions/mailer-core.js';
import { parseCompletionMessage, STAGES, type CompletionMessage } from '../../lib/contracts/completion.js';

const files = ['report.json', 'report.md', 'seance-12.zip', 'transcript.json', 'transcript.md', 'transcript.rttm', 'transcript.srt', 'transcript.txt', 'transcript.vtt', 'status.json'];
const success: CompletionMessage = parseCompletionMessage({
  version: 1,
  session: 'seance-12',
  runId: '20240512-203105-123456',
  status: 'succeeded',
  outputs: { prefix: 'gs://out/sessions/seance-12/r/', zip: 'gs://out/sessions/seance-12/r/seance-12.zip', files: files.map((f) => `gs://out/sessions/seance-12/r/${f}`) },
  stats: {
    audioSeconds: 3 * 3600 + 13 * 60 + 20,
    wallSeconds: 55 * 60,
    speakers: [{ name: 'Hugo', talkSeconds: 3000 }, { name: 'Camille', talkSeconds: 5000 }],
    skippedFiles: [{ name: 'notes.txt', reason: 'not readable audio' }],
  },
  finishedAt: '2024-05-12T21:00:00.000Z',
});

describe('emails', () => {
  it('say when no speech was found, and what to try, in the group\'s language', () => {
    const quiet = parseCompletionMessage({ ...success, stats: { ...success.stats, speechSeconds: 0, speakers: [] }, warnings: ['No speech was found in the recordings (speech detection threshold 0.5), so nothing was transcribed.'] });
    const fr = renderEmail(quiet, { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 }, 'fr').text;
    assert.match(fr, /Aucune parole n’a été détectée dans les enregistrements : rien n’a été transcrit\. .*« vad_threshold: 0\.3 »/);
    assert.match(fr, /À vérifier \(le détail est dans report\.md\) :\n {2}- No speech was found/);
    const en = renderEmail(quiet, { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 }, 'en').text;
    assert.match(en, /No speech was found in the recordings, so nothing was transcribed\. .*"vad_threshold: 0\.3"/);
    assert.doesNotMatch(renderEmail(success, { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 }, 'fr').text, /Aucune parole|À vérifier/);
  });

  it('show a session name safely: composed, without control characters, bounded', () => {
    const odd = parseCompletionMessage({ ...success, status: 'failed', outputs: undefined, stats: undefined, session: 'Se\u0301ance\r\nBcc: eve@evil.example', error: { stage: 'trigger', message: 'x' } });
    const { subject, text } = renderEmail(odd, { kind: 'unavailable', location: undefined }, 'fr');
    assert.equal(subject, 'Échec de la transcription : Séance Bcc: eve@evil.example');
    assert.doesNotMatch(subject, /[\r\n]/);
    assert.match(text, /« Séance Bcc/);
  });

  it('tell a French group what it has: duration, speakers by talk time, what is inside the zip, skipped files', () => {
    const { subject, text } = renderEmail(success, { kind: 'attached', filename: 'seance-12.zip', bytes: 150_000 }, 'fr');
    assert.equal(subject, 'Transcription prête : seance-12');
    assert.match(text, /Durée enregistrée : 3 h 13 min \(traitée en 55 min\)/);
    assert.match(text, /Camille : 1 h 23 min \(63 %\)\n {2}- Hugo : 50 min \(38 %\)/);
    assert.match(text, /L'archive seance-12\.zip \(146 KB\) est jointe à ce message/);
    const inside = text.slice(text.indexOf("Dans l'archive"));
    assert.ok(inside.indexOf('transcript.md') < inside.indexOf('transcript.srt'), 'the readable transcript comes first');
    assert.doesNotMatch(inside, /status\.json|- seance-12\.zip/);
    assert.match(text, /notes\.txt \(not readable audio\)/);
    assert.match(text, /Référence : 20240512-203105-123456/);
  });

  it('give the link and its expiry when the zip is too large, in English on request', () => {
    const expiresAt = new Date('2024-05-19T21:00:00Z');
    const { subject, text } = renderEmail(success, { kind: 'link', filename: 'seance-12.zip', url: 'https://storage.example/x?sig', expiresAt }, 'en');
    assert.equal(subject, 'Transcript ready: seance-12');
    assert.match(text, /seance-12\.zip is too large to attach\. Download it with this link, valid until 19 May 2024 at 21:00 UTC:\nhttps:\/\/storage\.example\/x\?sig/);
    assert.match(text, /Camille: 1 h 23 min \(63%\)/);
    assert.match(renderEmail(success, { kind: 'link', filename: 'z.zip', url: 'u', expiresAt }, 'fr').text, /valable jusqu'au 19 mai 2024 à 21:00 UTC/);
  });

  it('say plainly when speakers were not told apart or the archive is unavailable', () => {
    const alone = { ...success, stats: { ...success.stats!, speakers: [] } };
    const { text } = renderEmail(alone, { kind: 'unavailable', location: 'gs://out/sessions/seance-12/r/' }, 'fr');
    assert.match(text, /Les participants n’ont pas pu être distingués/);
    assert.match(text, /les fichiers sont dans gs:\/\/out\/sessions\/seance-12\/r\//);
  });

  it('say what went wrong and what to do, for every stage, in both languages', () => {
    for (const stage of STAGES) {
      for (const lang of ['fr', 'en'] as const) {
        const failed = parseCompletionMessage({ ...success, status: 'failed', outputs: undefined, stats: undefined, error: { stage, message: 'line one\nline two' } });
        const { subject, text } = renderEmail(failed, { kind: 'unavailable', location: undefined }, lang);
        assert.match(subject, lang === 'fr' ? /^Échec de la transcription : seance-12$/ : /^Transcription failed: seance-12$/);
        assert.match(text, new RegExp(`\\(${stage}\\)`));
        assert.match(text, / {2}line one\n {2}line two/);
        assert.match(text, lang === 'fr' ? /Que faire :\n {2}\S/ : /What to do:\n {2}\S/);
      }
    }
    const trigger = parseCompletionMessage({ ...success, status: 'failed', error: { stage: 'trigger', message: 'files: b.m4a is listed but not in the session folder' } });
    assert.match(renderEmail(trigger, { kind: 'unavailable', location: undefined }, 'fr').text, /déposez de nouveau le fichier _READY/);
    const decode = parseCompletionMessage({ ...success, status: 'failed', error: { stage: 'decode', message: 'No audio' } });
    assert.match(renderEmail(decode, { kind: 'unavailable', location: undefined }, 'en').text, /Check that the recordings are complete, readable audio files/);
  });

  it('name the voice clips of speakers without a name, and what to do with them, in both languages', () => {
    const withClips = parseCompletionMessage({ ...success, outputs: { ...success.outputs, files: [...success.outputs!.files, ...['voice-SPK4.opus', 'voice-SPK2.opus', 'voice-notes.opus'].map((f) => `gs://out/sessions/seance-12/r/${f}`)] } });
    const fr = renderEmail(withClips, { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 }, 'fr').text;
    assert.match(fr, /\n {2}- voice-SPK2\.opus : la voix de SPK2 dans cette séance : ajoutez-la à ses échantillons de voix \(voice_samples dans context\.yaml\) et la prochaine séance le nommera\n {2}- voice-SPK4\.opus : la voix de SPK4/);
    const en = renderEmail(withClips, { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 }, 'en').text;
    assert.match(en, /\n {2}- voice-SPK2\.opus: SPK2's voice in this session: add it to their voice samples \(voice_samples in context\.yaml\) and the next session names them\n/);
    assert.doesNotMatch(en, /voice-notes/, 'only the clips the job names');
    assert.doesNotMatch(renderEmail(success, { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 }, 'en').text, /voice-SPK/);
  });

  it('format durations, sizes and dates for people', () => {
    assert.deepEqual([0, 38, 60, 2700, 3600, 3659, 11_580, 7199].map(humanDuration), ['0 s', '38 s', '1 min', '45 min', '1 h', '1 h', '3 h 13 min', '1 h 59 min']);
    assert.deepEqual([100, 150_000, 25 * 1024 * 1024].map(humanBytes), ['1 KB', '146 KB', '25.0 MB']);
    assert.equal(humanDate(new Date('2024-01-02T03:04:00Z'), 'fr'), '2 janvier 2024 à 03:04 UTC');
  });

  it('count attachments at their base64 size, MIME line breaks included', () => {
    assert.deepEqual([0, 1, 3, 57, 58].map(encodedSize), [0, 6, 6, 78, 84]);
    const mb = encodedSize(1024 * 1024);
    assert.ok(mb > (1024 * 1024 * 4) / 3 && mb < (1024 * 1024 * 4) / 3 * 1.03, `${mb}`);
  });

  it('carry the recap first: its paragraph, the first events, and where the rest is', () => {
    const recap = { previously: 'Les héros arrivent à Port-Sombre.\nIls cherchent Eldrin.', events: [{ time: 83.9, text: 'Arrivée à la taverne.' }, { time: 3725, text: 'Le sol tremble.' }] };
    const withRecap = parseCompletionMessage({ ...success, recap, outputs: { ...success.outputs, files: [...success.outputs!.files, 'gs://out/sessions/seance-12/r/recap.md'] } });
    const attached = { kind: 'attached', filename: 'seance-12.zip', bytes: 2000 } as const;
    const fr = renderEmail(withRecap, attached, 'fr', { recapAttached: true }).text;
    assert.match(fr, /Résumé de la séance :\n {2}Les héros arrivent à Port-Sombre\. Ils cherchent Eldrin\.\n\nLes premiers moments clés :\n {2}- \[0:01:23\] Arrivée à la taverne\.\n {2}- \[1:02:05\] Le sol tremble\.\n\nLe résumé complet est joint à ce message \(recap\.md\)\./);
    assert.ok(fr.indexOf('Résumé de la séance') < fr.indexOf('Participants et temps de parole'), 'the recap comes before the talk times');
    assert.match(fr, /- recap\.md : le résumé de la séance/);
    const en = renderEmail(withRecap, attached, 'en').text;
    assert.match(en, /Session recap:\n {2}Les héros/);
    assert.match(en, /The full recap is in the archive \(recap\.md\)\./);
    assert.doesNotMatch(renderEmail(success, attached, 'fr').text, /Résumé de la séance/);
  });

  it('take a bounded recap: at most 10 events, each line bounded', () => {
    const events = Array.from({ length: 11 }, (_, i) => ({ time: i, text: 'e' }));
    assert.throws(() => parseCompletionMessage({ ...success, recap: { previously: 'p', events } }), /recap\.events/);
    assert.throws(() => parseCompletionMessage({ ...success, recap: { previously: 'p'.repeat(4001), events: [] } }), /recap\.previously/);
  });
});
