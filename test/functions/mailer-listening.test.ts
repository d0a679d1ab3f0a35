/**
 * The email and transcript.html's audio: the attached zip carries audio.opus when both fit the attachment limit;
 * otherwise the zip goes without it and the email links to it (signed), with what to do; the page itself is linked
 * (signed) with its audio's signed address in the fragment, where the page looks for it. Real SMTP on loopback.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import JSZip from 'jszip';
import { zipWithAudio } from '../../functions/attachment.js';
import { createSmtpTransport } from '../../functions/mailer.js';
import { encodedSize, handleCompletionEvent, MESSAGE_PUBLISHED, type MailerDeps } from '../../functions/mailer-core.js';
import type { MailerConfig } from '../../lib/config/mailer.js';
import { COMPLETION_VERSION } from '../../lib/contracts/completion.js';
import { createLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import { startSmtpSink, type SmtpSink } from '../integration/smtp-sink.js';

const root = mkdtempSync(join(tmpdir(), 'jdr-mailer-listen-'));
let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(async () => {
  await sink.close();
  rmSync(root, { recursive: true, force: true });
});

/** Signs links the way GCS does, for what the mailer needs: a URL back. */
class SigningStore extends FileStore {
  async signedUrl(key: string, seconds: number): Promise<string> {
    return `https://storage.example/out/${key}?X-Goog-Expires=${seconds}&X-Goog-Signature=sig`;
  }
}

const RUN = 'sessions/s1/r1';

async function jobZip(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('s1/transcript.md', '# s1\n'.repeat(50));
  zip.file('s1/transcript.html', '<!doctype html><p>page</p>'.repeat(50));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function setup(limit: number, audioBytes: number, options: { listed?: boolean } = {}) {
  const output = new SigningStore(mkdtempSync(join(root, 'out-')));
  const zip = await jobZip();
  const audio = randomBytes(audioBytes);
  await output.write(`${RUN}/s1.zip`, zip);
  await output.write(`${RUN}/transcript.html`, '<!doctype html>');
  await output.write(`${RUN}/audio.opus`, audio);
  const config: MailerConfig = {
    outputBucket: 'out', smtp: { host: sink.host, port: sink.port, user: undefined, password: undefined, tls: 'none' }, from: 'jdr@club.example',
    defaultRecipients: ['mj@club.example'], allowedRecipients: ['@club.example'], lang: 'fr', attachLimitBytes: limit, signedUrlSeconds: 3600,
  };
  const transport = createSmtpTransport(config.smtp);
  const deps: MailerDeps = { config, output, send: (mail) => transport.sendMail(mail), log: createLogger({ json: true, write: () => undefined }), now: () => new Date('2024-05-12T20:00:00Z') };
  const files = ['s1.zip', 'transcript.html', 'transcript.md', ...(options.listed === false ? [] : ['audio.opus'])].map((n) => output.uriOf(`${RUN}/${n}`));
  const message = { version: COMPLETION_VERSION, session: 's1', runId: 'r1', status: 'succeeded', recipients: [], outputs: { prefix: output.uriOf(`${RUN}/`), zip: output.uriOf(`${RUN}/s1.zip`), files }, warnings: [], finishedAt: '2024-05-12T20:00:00.000Z' };
  const event = { type: MESSAGE_PUBLISHED, data: { message: { data: Buffer.from(JSON.stringify(message)).toString('base64'), messageId: '1' } } };
  return { deps, zip, audio, event };
}

async function send(t: Awaited<ReturnType<typeof setup>>) {
  const before = sink.messages.length;
  const outcome = await handleCompletionEvent(t.event, t.deps);
  assert.equal(outcome.action, 'sent');
  return (await sink.waitForMessages(before + 1))[before]!;
}

describe('the email and the page’s audio', () => {
  it('attaches the zip with audio.opus beside transcript.html when both fit, and links the page', async () => {
    const t = await setup(200_000, 60_000);
    const mail = await send(t);
    const zip = await JSZip.loadAsync(mail.attachments[0]!.content);
    assert.deepEqual(Object.keys(zip.files).filter((n) => !n.endsWith('/')).sort(), ['s1/audio.opus', 's1/transcript.html', 's1/transcript.md']);
    assert.ok((await zip.file('s1/audio.opus')!.async('nodebuffer')).equals(t.audio), 'the audio, byte for byte');
    const before = await JSZip.loadAsync(t.zip);
    assert.equal(await zip.file('s1/transcript.md')!.async('string'), await before.file('s1/transcript.md')!.async('string'));
    const text = mail.text ?? '';
    assert.match(text, /- audio\.opus : l’enregistrement de la séance, que transcript\.html fait écouter/);
    assert.match(text, /- transcript\.html : la page pour lire, chercher et réécouter la séance/);
    assert.doesNotMatch(text, /n'est pas dans l'archive/);
    const page = /Lire, chercher et réécouter la séance dans votre navigateur \(lien valable jusqu'au .*\) :\n(\S+)/.exec(text)![1]!;
    assert.ok(page.startsWith(`https://storage.example/out/${RUN}/transcript.html?X-Goog-Expires=3600&X-Goog-Signature=sig#audio=`), page);
    assert.equal(decodeURIComponent(page.split('#audio=')[1]!), `https://storage.example/out/${RUN}/audio.opus?X-Goog-Expires=3600&X-Goog-Signature=sig`);
  });

  it('keeps the audio out of a zip it would make too big, and links to it saying what to do with it', async () => {
    // The zip alone fits; with the audio it would be one byte over.
    const probe = await setup(10_000_000, 30_000);
    const withAudio = (await zipWithAudio(probe.zip, probe.audio))!;
    const t = await setup(encodedSize(withAudio.length) - 1, 30_000);
    const mail = await send(t);
    assert.equal(mail.attachments.length, 1);
    assert.ok(mail.attachments[0]!.content.equals(t.zip), 'the job’s zip as it is');
    const text = mail.text ?? '';
    assert.match(text, /L'enregistrement \(audio\.opus, 29 KB\) n'est pas dans l'archive\. Pour l'écouter dans transcript\.html sans connexion, téléchargez-le avec ce lien et enregistrez-le dans le même dossier que transcript\.html :\nhttps:\/\/storage\.example\/out\/sessions\/s1\/r1\/audio\.opus\?X-Goog-Expires=3600/);
    assert.doesNotMatch(text, /- audio\.opus :/, 'not listed as inside the archive');
    assert.match(text, /transcript\.html\?X-Goog-Expires=3600&X-Goog-Signature=sig#audio=/);

    const fits = await setup(encodedSize(withAudio.length), 30_000);
    const fitting = await send(fits);
    assert.ok(Object.keys((await JSZip.loadAsync(fitting.attachments[0]!.content)).files).includes('s1/audio.opus'), 'exactly at the limit, it goes in');
  });

  it('takes no audio the message does not list, and sends a zip it cannot read as it is', async () => {
    const t = await setup(200_000, 1000, { listed: false });
    const mail = await send(t);
    assert.ok(mail.attachments[0]!.content.equals(t.zip));
    assert.doesNotMatch(mail.text ?? '', /audio\.opus/);
    assert.equal(await zipWithAudio(randomBytes(500), randomBytes(10)), undefined);
  });
});
