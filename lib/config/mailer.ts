import { z } from 'zod';
import type { Env } from './common.js';
import { allowList, bucketName, decimal, emailList, parseEnvironment, requiredVariables, wholeNumber } from './common.js';
import { MAX_SIGNED_URL_SECONDS } from '../storage/gcs.js';

/**
 * Configuration of the mailer function (`onTranscriptReady`). SMTP_PASSWORD comes from Secret Manager as an
 * environment variable; it is kept out of every log line (lib/log.ts redacts keys named like it, and nothing here
 * puts it in a message).
 */
export const EMAIL_LANGS = ['fr', 'en'] as const;
export type EmailLang = (typeof EMAIL_LANGS)[number];
export const SMTP_TLS_MODES = ['implicit', 'starttls', 'none'] as const;
export type SmtpTls = (typeof SMTP_TLS_MODES)[number];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "604800", "7d", "48h", "90m": a duration in whole seconds. */
const duration = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^\d+[smhd]?$/, 'must be a duration such as 7d, 48h, 90m or a number of seconds')
  .transform((v) => Number.parseInt(v, 10) * (UNIT_SECONDS[v.at(-1)!] ?? 1))
  .pipe(z.number().min(60, 'must be at least 60 seconds').max(MAX_SIGNED_URL_SECONDS, 'must be at most 7d (the V4 signed URL maximum)'));

export const MailerEnvSchema = z.object({
  OUTPUT_BUCKET: bucketName,
  SMTP_HOST: z.string().trim().min(1),
  SMTP_PORT: wholeNumber(1, 65535).default(587),
  SMTP_USER: z.string().trim().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** implicit: TLS from the first byte (port 465); starttls: upgrade required; none: plain (loopback only). */
  SMTP_TLS: z.enum(SMTP_TLS_MODES, 'must be implicit, starttls or none').optional(),
  EMAIL_FROM: z.string().trim().min(3),
  EMAIL_TO: emailList.optional(),
  ALLOWED_RECIPIENTS: allowList.optional(),
  EMAIL_LANG: z.enum(EMAIL_LANGS, 'must be fr or en').default('fr'),
  ATTACH_LIMIT_MB: decimal(0, 100).default(20),
  SIGNED_URL_TTL: duration.default(MAX_SIGNED_URL_SECONDS),
});

export type MailerEnv = z.output<typeof MailerEnvSchema>;
export const MAILER_ENV_VARS = Object.keys(MailerEnvSchema.shape) as Array<keyof MailerEnv>;
export const MAILER_REQUIRED_ENV_VARS = requiredVariables(MailerEnvSchema);

export interface MailerConfig {
  outputBucket: string;
  smtp: { host: string; port: number; user: string | undefined; password: string | undefined; tls: SmtpTls };
  from: string;
  defaultRecipients: string[];
  allowedRecipients: string[];
  lang: EmailLang;
  /** Largest attachment, counted after base64 encoding, in bytes. */
  attachLimitBytes: number;
  signedUrlSeconds: number;
}

export function parseMailerConfig(env: Env): MailerConfig {
  const e = parseEnvironment(MailerEnvSchema, env, 'Missing or invalid mailer configuration', (d) => {
    const problems: string[] = [];
    if (d.SMTP_USER && !d.SMTP_PASSWORD) problems.push('SMTP_PASSWORD: is required when SMTP_USER is set');
    if (d.SMTP_PASSWORD && !d.SMTP_USER) problems.push('SMTP_USER: is required when SMTP_PASSWORD is set');
    if (d.SMTP_USER && d.SMTP_TLS === 'none' && !LOOPBACK.has(d.SMTP_HOST.toLowerCase())) {
      problems.push('SMTP_TLS: "none" would send the SMTP password in clear over the network; use starttls or implicit');
    }
    return problems;
  });
  return {
    outputBucket: e.OUTPUT_BUCKET,
    smtp: {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT,
      user: e.SMTP_USER,
      password: e.SMTP_PASSWORD,
      tls: e.SMTP_TLS ?? (e.SMTP_PORT === 465 ? 'implicit' : 'starttls'),
    },
    from: e.EMAIL_FROM,
    defaultRecipients: e.EMAIL_TO ?? [],
    allowedRecipients: e.ALLOWED_RECIPIENTS ?? [],
    lang: e.EMAIL_LANG,
    attachLimitBytes: Math.floor(e.ATTACH_LIMIT_MB * 1024 * 1024),
    signedUrlSeconds: e.SIGNED_URL_TTL,
  };
}
