/**
 * Every message the trigger can publish is one the mailer delivers (issue 8, item 3): the group hears about a
 * refused session whatever made the trigger refuse it, its name included. The trigger's published messages are fed
 * to the mailer as Eventarc would push them, and a real SMTP server receives the emails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSmtpTransport } from '../../functions/mailer.js';
import { handleCompletionEvent, MESSAGE_PUBLISHED, type MailerDeps } from '../../functions/mailer-core.js';
import { handleSessionReady, STORAGE_FINALIZED, type TriggerDeps } from '../../functions/trigger-core.js';
import type { CompletionInput } from '../../lib/contracts/completion.js';
import { parseCompletionMessage } from '../../lib/contracts/completion.js';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import { startSmtpSink, type SmtpSink } from '../integration/smtp-sink.js';
import { TEST_TRIGGER_CONFIG } from '../support/function-configs.js';

const root = mkdtempSync(join(tmpdir(), 'jdr-refusals-'));
let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(async () => {
  await sink.close();
  rmSync(root, { recursive: true, force: true });
});

function world() {
  const dir = mkdtempSync(join(root, 'case-'));
  const bucket = (name: string) => new FileStore(join(dir, name));
  const published: CompletionInput[] = [];
  const trigger: TriggerDeps = {
    config: TEST_TRIGGER_CONFIG,
    openBucket: bucket,
    publish: async (m) => String(published.push(m)),
    launcher: { run: async () => Promise.reject(Object.assign(new Error('7 PERMISSION_DENIED: the test says no'), { code: 7 })) },
    log: memoryLogger(),
  };
  const transport = createSmtpTransport({ host: sink.host, port: sink.port, user: undefined, password: undefined, tls: 'none' });
  const mailer: MailerDeps = {
    config: { outputBucket: 'out', smtp: { host: sink.host, port: sink.port, user: undefined, password: undefined, tls: 'none' }, from: 'jdr@club.example', defaultRecipients: ['mj@club.example'], allowedRecipients: ['@club.example'], lang: 'fr', attachLimitBytes: 1e6, signedUrlSeconds: 3600 },
    output: bucket('out'),
    send: (mail) => transport.sendMail(mail),
    log: memoryLogger(),
  };
  return { bucket, published, trigger, mailer };
}

/** Eventarc's push of a published message. */
function pushed(message: CompletionInput) {
  const data = Buffer.from(JSON.stringify(parseCompletionMessage(message))).toString('base64');
  return { type: MESSAGE_PUBLISHED, data: { message: { data, messageId: '1' }, subscription: 'projects/p/subscriptions/s' } };
}

const cases: Array<{ name: string; folder: string; files: Record<string, string | Buffer>; ready: string | Buffer; subject: RegExp; says: RegExp }> = [
  { name: 'a name with a reserved character', folder: 'a$b', files: { 'a.m4a': 'x' }, ready: '', subject: /a\$b/, says: /"a\$b" is not a usable session name/ },
  { name: 'a name too long', folder: 'x'.repeat(150), files: { 'a.m4a': 'x' }, ready: '', subject: /x{99}…/, says: /is not a usable session name/ },
  { name: 'a blank name', folder: ' ', files: { 'a.m4a': 'x' }, ready: '', subject: /Échec de la transcription/, says: /is not a usable session name/ },
  { name: 'a name padded with a space', folder: 'seance 3 ', files: { 'a.m4a': 'x' }, ready: '', subject: /seance 3/, says: /not starting or ending with a space/ },
  { name: 'a name with an emoji', folder: 'séance 🎲', files: { 'a.m4a': 'x' }, ready: '', subject: /séance 🎲/, says: /is not a usable session name/ },
  { name: 'a name with a control character', folder: 'tab\there', files: { 'a.m4a': 'x' }, ready: '', subject: /tab here/, says: /is not a usable session name/ },
  { name: 'a decomposed name and no recording', folder: 'Se\u0301ance 12', files: { 'notes.txt': 'x' }, ready: '', subject: /Séance 12/, says: /no recording in the session folder/ },
  { name: 'a 50 MB _READY', folder: 's1', files: { 'a.m4a': 'x' }, ready: Buffer.alloc(50 * 1024 * 1024, ' '), subject: /s1/, says: /larger than 256 KB/ },
  { name: 'built-in keys and bad fields', folder: 's2', files: { 'a.m4a': 'x' }, ready: 'constructor: 1\nrecipients: [nobody]', subject: /s2/, says: /recipients\[0\]: must be an email address/ },
  { name: 'a Run API that refuses for good', folder: 's3', files: { 'a.m4a': 'x' }, ready: '', subject: /s3/, says: /lacks roles\/run\.jobsExecutorWithOverrides/ },
];

describe('every message the trigger publishes reaches the group', () => {
  for (const c of cases) {
    it(`${c.name}: refused by the trigger, emailed by the mailer`, async () => {
      const w = world();
      for (const [name, data] of Object.entries(c.files)) await w.bucket('in').write(`sessions/${c.folder}/${name}`, data);
      const marker = await w.bucket('in').write(`sessions/${c.folder}/_READY`, c.ready);
      const event = { type: STORAGE_FINALIZED, data: { bucket: 'in', name: `sessions/${c.folder}/_READY`, generation: marker.generation } };
      const outcome = await handleSessionReady(event, w.trigger);
      assert.ok(outcome.action === 'refused' || outcome.action === 'failed', JSON.stringify(outcome));
      assert.equal(w.published.length, 1);
      const sent = sink.messages.length;
      const mailed = await handleCompletionEvent(pushed(w.published[0]!), w.mailer);
      assert.equal(mailed.action, 'sent', JSON.stringify(mailed));
      const mail = (await sink.waitForMessages(sent + 1))[sent]!;
      assert.deepEqual(mail.envelope.to, ['mj@club.example']);
      assert.match(mail.subject ?? '', c.subject);
      assert.match(mail.text ?? '', c.says);
      assert.equal((await handleCompletionEvent(pushed(w.published[0]!), w.mailer)).action, 'duplicate', 'one email per refusal');
    });
  }
});
