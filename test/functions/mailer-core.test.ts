import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSmtpTransport } from '../../functions/mailer.js';
import { encodedSize, handleCompletionEvent, MESSAGE_PUBLISHED, type MailerDeps } from '../../functions/mailer-core.js';
import type { MailerConfig } from '../../lib/config/mailer.js';
import { COMPLETION_VERSION } from '../../lib/contracts/completion.js';
import { createLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import { startSmtpSink, type SmtpSink } from '../integration/smtp-sink.js';

const PASSWORD = 'Tr0ub4dor&3-very-secret';
const root = mkdtempSync(join(tmpdir(), 'jdr-mailer-'));
let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD }, refuseRecipients: ['gone@club.example'] });
});
after(async () => {
  await sink.close();
  rmSync(root, { recursive: true, force: true });
});

function setup(overrides: { config?: Partial<MailerConfig>; smtp?: Partial<MailerConfig['smtp']> } = {}) {
  const output = new FileStore(mkdtempSync(join(root, 'out-')));
  const config: MailerConfig = {
    outputBucket: 'out',
    smtp: { host: sink.host, port: sink.port, user: 'mailer', password: PASSWORD, tls: 'none', ...overrides.smtp },
    from: 'jdr@club.example',
    defaultRecipients: ['mj@club.example'],
    allowedRecipients: ['@club.example'],
    lang: 'fr',
    attachLimitBytes: 1000,
    signedUrlSeconds: 3600,
    ...overrides.config,
  };
  const lines: string[] = [];
  const transport = createSmtpTransport(config.smtp);
  const deps: MailerDeps = { config, output, send: (mail) => transport.sendMail(mail), log: createLogger({ json: true, minSeverity: 'DEBUG', write: (l) => lines.push(l) }) };
  return { deps, output, lines };
}

function event(fields: Record<string, unknown>, raw?: string) {
  const message = { version: COMPLETION_VERSION, session: 's1', runId: 'r1', status: 'failed', recipients: [], error: { stage: 'asr', message: 'boom' }, finishedAt: '2024-05-12T20:00:00.000Z', ...fields };
  const data = Buffer.from(raw ?? JSON.stringify(message)).toString('base64');
  return { type: MESSAGE_PUBLISHED, data: { message: { data, messageId: '7', message_id: '7', publishTime: '2024-05-12T20:00:00Z' }, subscription: 'projects/p/subscriptions/s' } };
}

async function success(t: ReturnType<typeof setup>, zipBytes: number) {
  await t.output.write('sessions/s1/r1/s1.zip', randomBytes(zipBytes));
  return event({ status: 'succeeded', error: undefined, outputs: { prefix: t.output.uriOf('sessions/s1/r1') + '/', zip: t.output.uriOf('sessions/s1/r1/s1.zip'), files: [] } });
}

describe('mailer core', () => {
  it('attaches the zip when its encoded size is exactly at the limit, and not one byte above', async () => {
    const fits = [...Array(1000).keys()].filter((n) => encodedSize(n) <= 1000).pop()!;
    const t = setup();
    const sent = sink.messages.length;
    const outcome = await handleCompletionEvent(await success(t, fits), t.deps);
    assert.equal(outcome.action === 'sent' && outcome.delivery, 'attached');
    const mail = (await sink.waitForMessages(sent + 1))[sent]!;
    assert.equal(mail.attachments[0]?.size, fits);
    assert.equal(mail.attachments[0]?.filename, 's1.zip');
    assert.equal(mail.user, 'mailer');

    const t2 = setup();
    const above = await handleCompletionEvent(await success(t2, fits + 1), t2.deps);
    // A file:// store cannot sign links: the email says where the files are instead.
    assert.equal(above.action === 'sent' && above.delivery, 'unavailable');
    assert.match(sink.messages.at(-1)!.text ?? '', /les fichiers sont dans file:\/\/\S+s1\.zip/);
  });

  it('claims the run so a redelivered message sends nothing twice', async () => {
    const t = setup();
    const sent = sink.messages.length;
    const e = event({});
    assert.equal((await handleCompletionEvent(e, t.deps)).action, 'sent');
    assert.equal((await handleCompletionEvent(e, t.deps)).action, 'duplicate');
    assert.equal(sink.messages.length, sent + 1);
    const claim = JSON.parse((await t.output.read('sessions/s1/r1/emailed')).toString());
    assert.equal(claim.messageId, '7');
    assert.equal(claim.accepted, 1);
  });

  it('throws and releases the claim when SMTP is down, then sends on redelivery', async () => {
    const closed = await startSmtpSink();
    const port = closed.port;
    await closed.close();
    const down = setup({ smtp: { port } });
    await assert.rejects(handleCompletionEvent(event({}), down.deps), /Emailing session s1 \(run r1\) failed, will be retried: .*ECONNREFUSED/);
    assert.equal(await down.output.stat('sessions/s1/r1/emailed'), undefined, 'claim released');
    const up = { ...down.deps, send: setup().deps.send };
    assert.equal((await handleCompletionEvent(event({}), up)).action, 'sent');
  });

  it('does not retry a recipient the server refuses for good, and keeps the claim', async () => {
    const t = setup();
    const outcome = await handleCompletionEvent(event({ recipients: ['gone@club.example'] }), t.deps);
    assert.equal(outcome.action, 'refused');
    assert.ok(await t.output.stat('sessions/s1/r1/emailed'), 'claim kept: a redelivery is a no-op');
    assert.equal((await handleCompletionEvent(event({ recipients: ['gone@club.example'] }), t.deps)).action, 'duplicate');
    const partial = setup();
    const some = await handleCompletionEvent(event({ runId: 'r2', recipients: ['gone@club.example', 'alice@club.example'] }), partial.deps);
    assert.deepEqual(some.action === 'sent' && some.rejected, ['gone@club.example']);
  });

  it('drops recipients the allow-list does not allow, and sends nothing when nobody is left', async () => {
    const t = setup();
    const sent = sink.messages.length;
    const o = await handleCompletionEvent(event({ recipients: ['alice@club.example', 'eve@evil.example'] }), t.deps);
    assert.deepEqual(o.action === 'sent' && o.to, ['alice@club.example']);
    assert.ok(t.lines.some((l) => l.includes('eve@evil.example')));
    const nobody = setup({ config: { defaultRecipients: [] } });
    assert.equal((await handleCompletionEvent(event({ recipients: ['eve@evil.example'] }), nobody.deps)).action, 'ignored');
    assert.equal(sink.messages.length, sent + 1);
  });

  const unreadable: Array<[string, ReturnType<typeof event>]> = [
    ['not base64 JSON', event({}, 'not json')],
    ['an unknown version', event({ version: 2 })],
    ['a failure without an error', event({ error: undefined })],
    ['a path-like session', event({ session: '..' })],
    ['a path-like run id', event({ runId: '../x' })],
    ['no message at all', { type: MESSAGE_PUBLISHED, data: { subscription: 's' } } as never],
  ];
  for (const [name, e] of unreadable) {
    it(`acknowledges ${name} with an error line, sending nothing`, async () => {
      const t = setup();
      const sent = sink.messages.length;
      const outcome = await handleCompletionEvent(e, t.deps);
      assert.equal(outcome.action, 'ignored');
      assert.ok(t.lines.some((l) => JSON.parse(l).severity === 'ERROR'));
      assert.deepEqual(await t.output.list(), []);
      assert.equal(sink.messages.length, sent);
    });
  }

  it('writes English on request', async () => {
    const t = setup({ config: { lang: 'en' } });
    const sent = sink.messages.length;
    await handleCompletionEvent(event({}), t.deps);
    assert.equal((await sink.waitForMessages(sent + 1))[sent]!.subject, 'Transcription failed: s1');
  });

  it('keeps the SMTP password out of logs and errors, even when the login fails', async () => {
    const t = setup({ smtp: { password: `${PASSWORD}-wrong` } });
    const err = await handleCompletionEvent(event({}), t.deps).then(
      () => assert.fail('a refused login must fail the invocation'),
      (e: Error) => e,
    );
    assert.match(err.message, /Invalid login|535/);
    const everything = [...t.lines, err.message, String(err.stack), JSON.stringify(err), String((err.cause as Error)?.message)].join('\n');
    assert.ok(!everything.includes(PASSWORD), 'no password in any line');
  });
});
