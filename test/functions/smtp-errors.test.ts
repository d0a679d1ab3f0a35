import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smtpVerdict } from '../../functions/smtp-errors.js';

/** nodemailer's errors, as it builds them from the server's answer (responseCode, response) or on its own. */
const smtp = (responseCode: number, response: string, code = 'EMESSAGE') => Object.assign(new Error(`Message failed: ${response}`), { code, responseCode, response, command: 'DATA' });

const cases: Array<[string, unknown, 'too-big' | 'transient' | 'final']> = [
  ['552 without an enhanced code (RFC 5321: exceeded storage allocation)', smtp(552, '552 Message too large'), 'too-big'],
  ['552 5.3.4 (Gmail, Postfix)', smtp(552, '552 5.3.4 Message size exceeds fixed maximum message size'), 'too-big'],
  ['554 5.3.4 (some servers answer size with 554)', smtp(554, '554 5.3.4 Message too big for system'), 'too-big'],
  ['552 5.2.3 (message length exceeds administrative limit)', smtp(552, '552 5.2.3 Message exceeds local size limit'), 'too-big'],
  ["nodemailer's own refusal after the server's SIZE", Object.assign(new Error('Message size larger than allowed 1000000'), { code: 'EMESSAGE', command: 'MAIL FROM' }), 'too-big'],
  ['552 5.2.2: a full mailbox, not a big message', smtp(552, '552 5.2.2 Mailbox full'), 'final'],
  ['451 4.7.1 greylisting', smtp(451, '451 4.7.1 Greylisted, try again later'), 'transient'],
  ['421 service closing', smtp(421, '421 4.3.2 System not accepting network messages'), 'transient'],
  ['535 a refused login (the administrator fixes the password)', smtp(535, '535 5.7.8 Username and Password not accepted', 'EAUTH'), 'transient'],
  ['550 5.1.1 no such user', smtp(550, '550 5.1.1 User unknown', 'EENVELOPE'), 'final'],
  ['554 5.7.1 spam', smtp(554, '554 5.7.1 Message rejected'), 'final'],
  ['a connection error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' }), 'transient'],
  ['a timeout', Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }), 'transient'],
];

for (const [name, err, kind] of cases) {
  test(`SMTP verdict: ${name} → ${kind}`, () => {
    const verdict = smtpVerdict(err);
    assert.equal(verdict.kind, kind);
    const code = (err as { responseCode?: number }).responseCode;
    if (code !== undefined) assert.equal(verdict.answer.code, code);
  });
}
