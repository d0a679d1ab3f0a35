import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAILER_ENV_VARS, MAILER_REQUIRED_ENV_VARS, parseMailerConfig } from '../../../lib/config/mailer.js';
import { parseTriggerConfig, TRIGGER_ENV_VARS, TRIGGER_REQUIRED_ENV_VARS } from '../../../lib/config/trigger.js';
import { ConfigError } from '../../../lib/errors.js';

const TRIGGER = {
  JOB_NAME: 'projects/p-123456/locations/europe-west1/jobs/transcribe',
  OUTPUT_BUCKET: 'jdr-output',
  COMPLETION_TOPIC: 'projects/p-123456/topics/completions',
};
const MAILER = { OUTPUT_BUCKET: 'jdr-output', SMTP_HOST: 'smtp.example.org', EMAIL_FROM: 'jdr@example.org' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('trigger configuration', () => {
  it('applies defaults around the three required variables', () => {
    const c = parseTriggerConfig(TRIGGER);
    assert.equal(c.jobName, TRIGGER.JOB_NAME);
    assert.deepEqual(c.defaultRecipients, []);
    assert.deepEqual(c.allowedRecipients, []);
    assert.deepEqual(c.runApi, { endpoint: undefined, transport: 'grpc' });
    assert.equal(c.maxParallelTasks, 8);
    assert.deepEqual(TRIGGER_REQUIRED_ENV_VARS, ['JOB_NAME', 'OUTPUT_BUCKET', 'COMPLETION_TOPIC']);
    assert.ok(TRIGGER_ENV_VARS.includes('ALLOWED_RECIPIENTS') && TRIGGER_ENV_VARS.includes('RUN_API_ENDPOINT'));
  });

  it('reads recipients, the allow-list, the Cloud Run endpoint and the task count', () => {
    const c = parseTriggerConfig({
      ...TRIGGER,
      EMAIL_TO: 'mj@club.example; Bob@club.example',
      ALLOWED_RECIPIENTS: '@Club.example, guest@elsewhere.example',
      RUN_API_ENDPOINT: 'http://127.0.0.1:9000',
      RUN_API_TRANSPORT: 'rest',
      MAX_PARALLEL_TASKS: '4',
      INPUT_BUCKET: 'jdr-input',
    });
    assert.deepEqual(c.defaultRecipients, ['mj@club.example', 'Bob@club.example']);
    assert.deepEqual(c.allowedRecipients, ['@club.example', 'guest@elsewhere.example']);
    assert.deepEqual(c.runApi, { endpoint: 'http://127.0.0.1:9000', transport: 'rest' });
    assert.equal(c.maxParallelTasks, 4);
    assert.equal(c.inputBucket, 'jdr-input');
  });

  it('names every missing or bad variable in one error', () => {
    const err = configError(() =>
      parseTriggerConfig({ COMPLETION_TOPIC: 'completions', ALLOWED_RECIPIENTS: 'club.example', RUN_API_ENDPOINT: 'run.googleapis.com', MAX_PARALLEL_TASKS: '0', RUN_API_TRANSPORT: 'http' }),
    );
    for (const line of [
      /JOB_NAME: is required/,
      /OUTPUT_BUCKET: is required/,
      /COMPLETION_TOPIC: must be a full topic name/,
      /ALLOWED_RECIPIENTS: must list email addresses and @domain entries/,
      /RUN_API_ENDPOINT: must be an origin/,
      /MAX_PARALLEL_TASKS: must be at least 1/,
      /RUN_API_TRANSPORT: must be grpc or rest/,
    ]) {
      assert.match(err.message, line);
    }
  });
});

describe('mailer configuration', () => {
  it('defaults to French, 20 MB attachments, 7-day links and STARTTLS on 587', () => {
    const c = parseMailerConfig(MAILER);
    assert.equal(c.lang, 'fr');
    assert.equal(c.attachLimitBytes, 20 * 1024 * 1024);
    assert.equal(c.signedUrlSeconds, 7 * 86400);
    assert.deepEqual(c.smtp, { host: 'smtp.example.org', port: 587, user: undefined, password: undefined, tls: 'starttls' });
    assert.equal(parseMailerConfig({ ...MAILER, SMTP_PORT: '465' }).smtp.tls, 'implicit');
    assert.deepEqual(MAILER_REQUIRED_ENV_VARS, ['OUTPUT_BUCKET', 'SMTP_HOST', 'EMAIL_FROM']);
    assert.ok(MAILER_ENV_VARS.includes('SMTP_PASSWORD') && MAILER_ENV_VARS.includes('SIGNED_URL_TTL'));
  });

  for (const [ttl, seconds] of [['48h', 172800], ['90m', 5400], ['604800', 604800], ['7d', 604800], ['3600s', 3600]] as const) {
    it(`reads SIGNED_URL_TTL=${ttl} as ${seconds} s`, () => {
      assert.equal(parseMailerConfig({ ...MAILER, SIGNED_URL_TTL: ttl }).signedUrlSeconds, seconds);
    });
  }

  it('refuses links beyond 7 days, half-given credentials and clear-text AUTH over the network', () => {
    const err = configError(() =>
      parseMailerConfig({ ...MAILER, SIGNED_URL_TTL: '8d', SMTP_USER: 'mailer', EMAIL_LANG: 'de', ATTACH_LIMIT_MB: 'lots' }),
    );
    assert.match(err.message, /SIGNED_URL_TTL: must be at most 7d/);
    assert.match(err.message, /EMAIL_LANG: must be fr or en/);
    assert.match(err.message, /ATTACH_LIMIT_MB: must be a number/);
    // Cross-field checks run once every single value is valid.
    assert.match(configError(() => parseMailerConfig({ ...MAILER, SMTP_USER: 'mailer' })).message, /SMTP_PASSWORD: is required when SMTP_USER is set/);
    const clear = { ...MAILER, SMTP_USER: 'mailer', SMTP_PASSWORD: 'hunter2-secret', SMTP_TLS: 'none' };
    const e = configError(() => parseMailerConfig(clear));
    assert.match(e.message, /SMTP_TLS: "none" would send the SMTP password in clear/);
    assert.ok(!e.message.includes('hunter2-secret'), 'the password is never repeated');
    assert.equal(parseMailerConfig({ ...clear, SMTP_HOST: '127.0.0.1' }).smtp.tls, 'none', 'loopback may skip TLS');
  });

  it('names every missing variable', () => {
    const err = configError(() => parseMailerConfig({}));
    for (const v of ['OUTPUT_BUCKET', 'SMTP_HOST', 'EMAIL_FROM']) assert.match(err.message, new RegExp(`${v}: is required`));
  });
});
