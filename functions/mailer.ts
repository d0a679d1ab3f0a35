import type { CloudEvent } from '@google-cloud/functions-framework';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Env } from '../lib/config/common.js';
import { parseMailerConfig, type MailerConfig } from '../lib/config/mailer.js';
import { createLogger, type Logger } from '../lib/log.js';
import { createStorageClient, type StorageClientOptions } from '../lib/storage/gcs-client.js';
import { GcsStore } from '../lib/storage/index.js';
import { handleCompletionEvent, type MailerDeps } from './mailer-core.js';

/** Framework wiring for `onTranscriptReady`: SMTP transport and storage client from the environment, built once. */
export function createSmtpTransport(smtp: MailerConfig['smtp']): Transporter<SMTPTransport.SentMessageInfo> {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'implicit',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    // A hung server must fail the invocation (and get a redelivery) well before the function's timeout.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    logger: false,
    debug: false,
  });
}

export function mailerDepsFromEnv(
  env: Env = process.env,
  log: Logger = createLogger({ json: true, labels: { function: 'onTranscriptReady' } }),
  storageOptions: StorageClientOptions = {},
): MailerDeps {
  const config = parseMailerConfig(env);
  const transport = createSmtpTransport(config.smtp);
  return {
    config,
    output: new GcsStore(createStorageClient(env, storageOptions), config.outputBucket, ''),
    send: (mail) => transport.sendMail(mail),
    log,
  };
}

/** The CloudEvent handler; `provide` is called on the first event (clients live as long as the instance). */
export function transcriptReadyHandler(provide: () => MailerDeps): (event: CloudEvent<unknown>) => Promise<void> {
  let deps: MailerDeps | undefined;
  return async (event) => {
    deps ??= provide();
    await handleCompletionEvent(event, { ...deps, log: deps.log.child({ event: String(event.id ?? '') }) });
  };
}
