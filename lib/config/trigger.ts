import { z } from 'zod';
import type { Env } from './common.js';
import { allowList, bucketName, emailList, parseEnvironment, requiredVariables, topicName, wholeNumber } from './common.js';

/**
 * Configuration of the trigger function (`onSessionReady`), from its environment. Emulator variables
 * (STORAGE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST) are read by the client factories, not here.
 */
export const RUN_TRANSPORTS = ['grpc', 'rest'] as const;
export type RunTransport = (typeof RUN_TRANSPORTS)[number];

export const TriggerEnvSchema = z.object({
  /** The Cloud Run job to start: projects/P/locations/L/jobs/J. */
  JOB_NAME: z
    .string()
    .trim()
    .regex(/^projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+$/, 'must be a full job name: projects/PROJECT/locations/REGION/jobs/JOB'),
  OUTPUT_BUCKET: bucketName,
  /** Where refused sessions are reported (the mailer turns it into an email). */
  COMPLETION_TOPIC: topicName,
  /** Recipients when the manifest names none. */
  EMAIL_TO: emailList.optional(),
  /** Who may receive transcripts: addresses and @domain entries. Empty: only EMAIL_TO. */
  ALLOWED_RECIPIENTS: allowList.optional(),
  /** When set, events from any other bucket are ignored (a guard against a mis-wired trigger). */
  INPUT_BUCKET: bucketName.optional(),
  /** Cloud Run Admin API origin; http:// means no TLS and no credentials (emulators, tests). */
  RUN_API_ENDPOINT: z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '');
      } catch {
        return false;
      }
    }, 'must be an origin such as https://run.googleapis.com or http://127.0.0.1:8085')
    .optional(),
  /** gRPC (the client's default) or the HTTP/1.1 REST fallback. */
  RUN_API_TRANSPORT: z.enum(RUN_TRANSPORTS, 'must be grpc or rest').default('grpc'),
  /** Parallel tasks per execution (Terraform's max_parallel_tasks); a _READY's `tasks:` may ask for fewer. */
  MAX_PARALLEL_TASKS: wholeNumber(1, 100).default(8),
});

export type TriggerEnv = z.output<typeof TriggerEnvSchema>;
export const TRIGGER_ENV_VARS = Object.keys(TriggerEnvSchema.shape) as Array<keyof TriggerEnv>;
export const TRIGGER_REQUIRED_ENV_VARS = requiredVariables(TriggerEnvSchema);

export interface TriggerConfig {
  jobName: string;
  outputBucket: string;
  completionTopic: string;
  defaultRecipients: string[];
  allowedRecipients: string[];
  inputBucket: string | undefined;
  runApi: { endpoint: string | undefined; transport: RunTransport };
  /** The most tasks an execution gets, and what it gets when _READY does not say. */
  maxParallelTasks: number;
}

export function parseTriggerConfig(env: Env): TriggerConfig {
  const e = parseEnvironment(TriggerEnvSchema, env, 'Missing or invalid trigger configuration');
  return {
    jobName: e.JOB_NAME,
    outputBucket: e.OUTPUT_BUCKET,
    completionTopic: e.COMPLETION_TOPIC,
    defaultRecipients: e.EMAIL_TO ?? [],
    allowedRecipients: e.ALLOWED_RECIPIENTS ?? [],
    inputBucket: e.INPUT_BUCKET,
    runApi: { endpoint: e.RUN_API_ENDPOINT, transport: e.RUN_API_TRANSPORT },
    maxParallelTasks: e.MAX_PARALLEL_TASKS,
  };
}
