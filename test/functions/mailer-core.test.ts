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

/** A local store that signs links the way GCS does (the mailer only needs the URL back). */
class SigningStore extends FileStore {
  async signedUrl(key: string, seconds: number): Promise<string> {
    return `https://storage.example/${key}?X-Goog-Expires=${seconds}&X-Goog-Signature=test`;
  }
}

function setup(overrides: { config?: Partial<MailerConfig>; smtp?: Partial<MailerConfig['smtp']>; signing?: boolean; port?: number } = {}) {
  const dir = mkdtempSync(join(root, 'out-'));
  const output = overrides.signing ? new SigningStore(dir) : new FileStore(dir);
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
  const transport = createSmtpTransport(overrides.port ? { ...config.smtp, port: overrides.port } : config.smtp);
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
    assert.match(sink.messages.at(-1)!.text ?? '', /les fichiers sont dans file:\/\/\S+sessions\/s1\/r1\/s1\.zip/);
  });

  it('claims the run so a redelivered message sends nothing twice', async () => {
    const t = setup();
    const sent = sink.messages.length;
    const e = event({});
    assert.equal((await handleCompletionEvent(e, t.deps)).action, 'sent');
    assert.equal((await handleCompletionEvent(e, t.deps)).action, 'duplicate');
    assert.equal(sink.messages.length, sent + 1);
    const claim = JSON.parse((await t.output.read('sessions/s1/r1/emailed.json')).toString());
    assert.equal(claim.messageId, '7');
    assert.equal(claim.accepted, 1);
    assert.equal(claim.state, 'sent');
  });

  it('throws and releases the claim when SMTP is down, then sends on redelivery', async () => {
    const closed = await startSmtpSink();
    const port = closed.port;
    await closed.close();
    const down = setup({ smtp: { port } });
    await assert.rejects(handleCompletionEvent(event({}), down.deps), /Emailing session s1 \(run r1\) failed, will be retried: .*ECONNREFUSED/);
    assert.equal(await down.output.stat('sessions/s1/r1/emailed.json'), undefined, 'claim released');
    const up = { ...down.deps, send: setup().deps.send };
    assert.equal((await handleCompletionEvent(event({}), up)).action, 'sent');
  });

  it('does not retry a recipient the server refuses for good, and keeps the claim', async () => {
    const t = setup();
    const outcome = await handleCompletionEvent(event({ recipients: ['gone@club.example'] }), t.deps);
    assert.equal(outcome.action, 'refused');
    assert.ok(await t.output.stat('sessions/s1/r1/emailed.json'), 'claim kept: a redelivery is a no-op');
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

  describe('SMTP answers', () => {
    let small: SmtpSink;
    before(async () => {
      small = await startSmtpSink({ maxMessageBytes: 4000 });
    });
    after(() => small.close());
    const viaSmall = (signing = true) => setup({ signing, smtp: { user: undefined, password: undefined }, config: { attachLimitBytes: 100_000 }, port: small.port });

    it('a zip the server refuses for its size (552) is sent again as a link', async () => {
      const t = viaSmall();
      const sent = small.messages.length;
      const outcome = await handleCompletionEvent(await success(t, 20_000), t.deps);
      assert.equal(outcome.action === 'sent' && outcome.delivery, 'link');
      assert.equal(small.refused.at(-1)?.code, 552, 'the first try carried the attachment and was refused');
      const mail = small.messages[sent]!;
      assert.equal(mail.attachments.length, 0);
      assert.match(mail.text ?? '', /https:\/\/storage\.example\/sessions\/s1\/r1\/s1\.zip\?X-Goog-Expires=3600/);
      const claim = JSON.parse((await t.output.read('sessions/s1/r1/emailed.json')).toString());
      assert.equal(claim.state, 'sent');
      assert.equal(claim.delivery, 'link');
      assert.equal(claim.fellBack.code, 552);
    });

    it('a 4xx answer (greylisting) is retried: the claim is released and the redelivery sends', async () => {
      const t = viaSmall();
      small.answerNext({ code: 451, message: '4.7.1 Greylisted, please try again later' });
      await assert.rejects(handleCompletionEvent(event({}), t.deps), /will be retried: .*451|Greylisted/);
      assert.equal(await t.output.stat('sessions/s1/r1/emailed.json'), undefined, 'claim released');
      const sent = small.messages.length;
      assert.equal((await handleCompletionEvent(event({}), t.deps)).action, 'sent');
      assert.equal(small.messages.length, sent + 1);
    });

    it('another 5xx is final: recorded in emailed.json with the answer, and a redelivery sends nothing', async () => {
      const t = viaSmall();
      small.answerNext({ code: 554, message: '5.7.1 Message rejected as spam' });
      const outcome = await handleCompletionEvent(event({}), t.deps);
      assert.equal(outcome.action, 'refused');
      const claim = JSON.parse((await t.output.read('sessions/s1/r1/emailed.json')).toString());
      assert.equal(claim.state, 'refused');
      assert.equal(claim.smtp.code, 554);
      assert.match(claim.smtp.response, /5\.7\.1 Message rejected as spam/);
      assert.equal((await handleCompletionEvent(event({}), t.deps)).action, 'duplicate');
    });

    it('a message too big without an attachment to drop is final too', async () => {
      const t = viaSmall();
      const outcome = await handleCompletionEvent(event({ error: { stage: 'asr', message: 'x'.repeat(10_000) } }), t.deps);
      assert.equal(outcome.action, 'refused');
      const claim = JSON.parse((await t.output.read('sessions/s1/r1/emailed.json')).toString());
      assert.equal(claim.smtp.code, 552);
    });
  });

  describe('forged completion messages', () => {
    const zipCases: Array<[string, (t: ReturnType<typeof setup>) => string]> = [
      ["another session's zip", (t) => t.output.uriOf('sessions/other/r9/other.zip')],
      ['a claim file of its own run', (t) => t.output.uriOf('sessions/s1/r1/emailed.json')],
      ['a path with ..', (t) => `${t.output.uri}sessions/s1/r1/../../other/r9/other.zip`],
      ["the bucket's root", (t) => t.output.uri],
      ['another bucket', () => 'gs://someone-else/sessions/s1/r1/s1.zip'],
    ];
    for (const [name, zip] of zipCases) {
      it(`attaches nothing when the message names ${name}, refuses it with a log line and acknowledges it`, async () => {
        const t = setup({ signing: true });
        await t.output.write('sessions/other/r9/other.zip', randomBytes(200));
        await t.output.write('sessions/s1/r1/s1.zip', randomBytes(200));
        const sent = sink.messages.length;
        const outcome = await handleCompletionEvent(event({ status: 'succeeded', error: undefined, outputs: { prefix: t.output.uri, zip: zip(t), files: [] } }), t.deps);
        assert.equal(outcome.action, 'refused');
        assert.equal(sink.messages.length, sent, 'no email');
        assert.ok(t.lines.some((l) => JSON.parse(l).severity === 'ERROR' && /Refused: the message names/.test(JSON.parse(l).message)));
        assert.equal(JSON.parse((await t.output.read('sessions/s1/r1/emailed.json')).toString()).state, 'refused');
      });
    }

    it('attaches only the zip of its own run, whatever the message says of its prefix', async () => {
      const t = setup();
      const sent = sink.messages.length;
      await t.output.write('sessions/s1/r1/s1.zip', randomBytes(100));
      const e = event({ status: 'succeeded', error: undefined, outputs: { prefix: 'gs://elsewhere/', zip: t.output.uriOf('sessions/s1/r1/s1.zip'), files: [] } });
      assert.equal((await handleCompletionEvent(e, t.deps)).action, 'sent');
      assert.equal((await sink.waitForMessages(sent + 1))[sent]!.attachments[0]?.filename, 's1.zip');
    });

    it('acknowledges a finished run claimed for a session name the job could never have used', async () => {
      const t = setup();
      const outcome = await handleCompletionEvent(event({ status: 'succeeded', error: undefined, session: 'a$b' }), t.deps);
      assert.equal(outcome.action, 'ignored');
    });
  });

  it('attaches recap.md of the run beside the zip, and still when the zip goes as a link', async () => {
    const recap = { previously: 'Les héros arrivent à Port-Sombre.', events: [{ time: 12, text: 'Arrivée.' }] };
    const withRecap = async (t: ReturnType<typeof setup>, zipBytes: number, runId = 'r1') => {
      await t.output.write(`sessions/s1/${runId}/s1.zip`, randomBytes(zipBytes));
      await t.output.write(`sessions/s1/${runId}/recap.md`, '# Résumé de la séance : s1\n');
      return event({ runId, status: 'succeeded', error: undefined, recap, outputs: { prefix: t.output.uriOf(`sessions/s1/${runId}`) + '/', zip: t.output.uriOf(`sessions/s1/${runId}/s1.zip`), files: [] } });
    };
    const small = setup();
    const sent = sink.messages.length;
    await handleCompletionEvent(await withRecap(small, 100), small.deps);
    const mail = (await sink.waitForMessages(sent + 1))[sent]!;
    assert.deepEqual(mail.attachments.map((a) => a.filename), ['s1.zip', 'recap.md']);
    assert.equal(mail.attachments[1]!.content.toString(), '# Résumé de la séance : s1\n');
    assert.match(mail.attachments[1]!.contentType, /^text\/markdown/);
    assert.match(mail.text ?? '', /Résumé de la séance :\n {2}Les héros arrivent à Port-Sombre\.\n\nLes premiers moments clés :\n {2}- \[0:00:12\] Arrivée\./);
    assert.match(mail.text ?? '', /Le résumé complet est joint à ce message \(recap\.md\)/);

    const big = setup({ signing: true });
    await handleCompletionEvent(await withRecap(big, 5000, 'r2'), big.deps);
    const linked = (await sink.waitForMessages(sent + 2))[sent + 1]!;
    assert.deepEqual(linked.attachments.map((a) => a.filename), ['recap.md']);
    assert.match(linked.text ?? '', /X-Goog-Signature=test/);

    // Without the file (a run whose upload lost it), the email goes without it and says where the recap is.
    const lost = setup();
    const e = await withRecap(lost, 100, 'r3');
    await lost.output.delete('sessions/s1/r3/recap.md');
    await handleCompletionEvent(e, lost.deps);
    const without = (await sink.waitForMessages(sent + 3))[sent + 2]!;
    assert.deepEqual(without.attachments.map((a) => a.filename), ['s1.zip']);
    assert.match(without.text ?? '', /Le résumé complet est dans l’archive \(recap\.md\)/);
    assert.ok(lost.lines.some((l) => /recap\.md does not exist/.test(l)));
  });
});
