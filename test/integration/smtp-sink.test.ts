import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

function transport(sink: SmtpSink, auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) });
}

describe('SMTP sink with real nodemailer', () => {
  describe('without authentication', () => {
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink({ refuseRecipients: ['Nobody@Example.org'] });
    });
    after(async () => {
      await sink.close();
    });

    it('receives text, html and a binary attachment intact', async () => {
      const zip = randomBytes(200_000);
      const info = await transport(sink).sendMail({
        from: 'Transcripteur <jdr@example.org>',
        to: 'alice@example.org, Bob <bob@example.org>',
        subject: 'Transcription prête : séance 12',
        text: 'Bonjour, la transcription est jointe.',
        html: '<p>Bonjour, la <b>transcription</b> est jointe.</p>',
        attachments: [{ filename: 'seance-12.zip', content: zip, contentType: 'application/zip' }],
      });

      assert.deepEqual(info.accepted, ['alice@example.org', 'bob@example.org']);
      assert.equal(sink.messages.length, 1, 'the sink records a message before answering 250');
      const [mail] = await sink.waitForMessages(1);
      assert.deepEqual(mail!.envelope, { from: 'jdr@example.org', to: ['alice@example.org', 'bob@example.org'] });
      assert.deepEqual(mail!.from, ['jdr@example.org']);
      assert.deepEqual(mail!.to, ['alice@example.org', 'bob@example.org']);
      assert.equal(mail!.subject, 'Transcription prête : séance 12');
      assert.equal(mail!.text?.trim(), 'Bonjour, la transcription est jointe.');
      assert.equal(mail!.html, '<p>Bonjour, la <b>transcription</b> est jointe.</p>');
      assert.equal(mail!.user, undefined);
      assert.equal(mail!.authMethod, undefined);
      assert.equal(mail!.attachments.length, 1);
      const attachment = mail!.attachments[0]!;
      assert.equal(attachment.filename, 'seance-12.zip');
      assert.equal(attachment.contentType, 'application/zip');
      assert.equal(attachment.size, zip.length);
      assert.ok(attachment.content.equals(zip), 'attachment bytes differ');
    });

    // nodemailer reports a refusal of every recipient as a rejected sendMail (code EENVELOPE, SMTP code in
    // responseCode, addresses in rejected); a partial refusal resolves, listing the refused ones in info.rejected.
    it('refuses a listed recipient with 550, as nodemailer reports it', async () => {
      const before = sink.messages.length;
      await assert.rejects(
        transport(sink).sendMail({ from: 'jdr@example.org', to: 'nobody@example.org', subject: 'x', text: 'x' }),
        { code: 'EENVELOPE', responseCode: 550, rejected: ['nobody@example.org'] },
      );
      const info = await transport(sink).sendMail({ from: 'jdr@example.org', to: ['alice@example.org', 'nobody@example.org'], subject: 'y', text: 'y' });
      assert.deepEqual(info.accepted, ['alice@example.org']);
      assert.deepEqual(info.rejected, ['nobody@example.org']);
      assert.equal(info.rejectedErrors?.[0]?.responseCode, 550);
      assert.equal(sink.messages.length, before + 1);
      assert.deepEqual(sink.messages.at(-1)!.envelope.to, ['alice@example.org']);
    });
  });

  describe('with AUTH', () => {
    const credentials = { user: 'mailer', pass: 's3cret' };
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink({ auth: credentials });
    });
    after(async () => {
      await sink.close();
    });

    for (const method of ['PLAIN', 'LOGIN'] as const) {
      it(`accepts the right credentials over AUTH ${method}`, async () => {
        const mailer = nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true, auth: credentials, authMethod: method });
        await mailer.sendMail({ from: 'jdr@example.org', to: 'alice@example.org', subject: method, text: 'ok' });
        const mail = sink.messages.find((m) => m.subject === method);
        assert.equal(mail?.user, 'mailer');
        assert.equal(mail?.authMethod, method);
      });
    }

    it('rejects a wrong password with EAUTH/535 and a missing login with 530', async () => {
      await assert.rejects(transport(sink, { user: 'mailer', pass: 'wrong' }).sendMail({ from: 'jdr@example.org', to: 'a@example.org', text: 'x' }), {
        code: 'EAUTH',
        responseCode: 535,
      });
      await assert.rejects(transport(sink).sendMail({ from: 'jdr@example.org', to: 'a@example.org', text: 'x' }), {
        code: 'EENVELOPE',
        command: 'MAIL FROM',
        responseCode: 530,
      });
      assert.equal(sink.messages.filter((m) => m.text?.trim() === 'x').length, 0);
    });
  });

  it('refuses connections once closed (ECONNREFUSED)', async () => {
    const sink = await startSmtpSink();
    await sink.close();
    // nodemailer wraps the socket error: code ESOCKET, command CONN; "ECONNREFUSED" survives only in the message.
    await assert.rejects(transport(sink).sendMail({ from: 'jdr@example.org', to: 'a@example.org', text: 'x' }), {
      code: 'ESOCKET',
      command: 'CONN',
      message: /ECONNREFUSED 127\.0\.0\.1/,
    });
  });

  it('waitForMessages rejects when fewer messages arrive in time', async () => {
    const sink = await startSmtpSink();
    try {
      await assert.rejects(sink.waitForMessages(1, 10), /got 0 message\(s\) within 10 ms, expected 1/);
    } finally {
      await sink.close();
    }
  });
});
