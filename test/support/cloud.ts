/**
 * The four loopback services of the cloud flow (GCS JSON API, Pub/Sub gRPC, Cloud Run Admin API, SMTP), started
 * together, with the environment each deployable needs to reach them, and the deliveries Eventarc makes to the
 * functions (binary-mode CloudEvents over HTTP).
 */
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import type { Storage } from '@google-cloud/storage';
import type { Env } from '../../lib/config/common.js';
import { createStorageClient } from '../../lib/storage/gcs-client.js';
import { startGcsServer, testServiceAccount, type GcsServer, type StoredObject } from '../integration/gcs-server.js';
import { startPubSubServer, toPubSubCloudEvent, type PublishedMessage, type PubSubServer } from '../integration/pubsub-server.js';
import { startRunServer, type RunServer } from '../integration/run-server.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../integration/smtp-sink.js';
import { scratchDir } from './fixtures.js';

export const PROJECT = 'jdr-test';
export const JOB_NAME = `projects/${PROJECT}/locations/europe-west1/jobs/transcribe`;
export const TOPIC = `projects/${PROJECT}/topics/completions`;
export const INPUT_BUCKET = 'jdr-input';
export const OUTPUT_BUCKET = 'jdr-output';
export const GROUP = 'mj@club.example';
export const SMTP_CREDENTIALS = { user: 'mailer', pass: 'sm7p-S3cret-pa55word' };

export interface Cloud {
  gcs: GcsServer;
  pubsub: PubSubServer;
  run: RunServer;
  smtp: SmtpSink;
  account: ReturnType<typeof testServiceAccount>;
  /** Signs with the test key, like the deployed mailer's service account. */
  storage: Storage;
  /** Where the test key lives (GOOGLE_APPLICATION_CREDENTIALS for code that builds its own client). */
  keyFile: string;
  /** Everything both functions read (they share one process in tests). */
  functionsEnv: Env;
  /** The job's environment around the per-session overrides the trigger sends. */
  jobEnv(overrides: Record<string, string>, extra?: Env): Env;
  close(): Promise<void>;
}

export async function startCloud(options: { smtp?: SmtpSinkOptions } = {}): Promise<Cloud> {
  const account = testServiceAccount();
  const gcs = await startGcsServer({ signers: [account] });
  const pubsub = await startPubSubServer();
  const run = await startRunServer({ jobs: [JOB_NAME] });
  const smtp = await startSmtpSink({ auth: SMTP_CREDENTIALS, ...options.smtp });
  const keyFile = join(scratchDir(), `sa-key-${gcs.port}.json`);
  writeFileSync(keyFile, JSON.stringify({ type: 'service_account', project_id: PROJECT, client_email: account.client_email, private_key: account.private_key }));
  gcs.createBucket(INPUT_BUCKET);
  gcs.createBucket(OUTPUT_BUCKET);
  const admin = new PubSub({ projectId: PROJECT, apiEndpoint: pubsub.host });
  await admin.createTopic('completions');
  await admin.close();

  const emulators = { STORAGE_EMULATOR_HOST: gcs.url, PUBSUB_EMULATOR_HOST: pubsub.host };
  const functionsEnv: Env = {
    ...emulators,
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    JOB_NAME,
    OUTPUT_BUCKET,
    INPUT_BUCKET,
    COMPLETION_TOPIC: TOPIC,
    EMAIL_TO: GROUP,
    ALLOWED_RECIPIENTS: '@club.example, guest@elsewhere.example',
    RUN_API_ENDPOINT: `http://${run.endpoint}:${run.port}`,
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
    SMTP_USER: SMTP_CREDENTIALS.user,
    SMTP_PASSWORD: SMTP_CREDENTIALS.pass,
    SMTP_TLS: 'none',
    EMAIL_FROM: 'Transcripteur <transcripteur@club.example>',
    ATTACH_LIMIT_MB: '1',
    SIGNED_URL_TTL: '3d',
  };
  return {
    gcs,
    pubsub,
    run,
    smtp,
    account,
    storage: createStorageClient(emulators, { credentials: account }),
    keyFile,
    functionsEnv,
    jobEnv: (overrides, extra = {}) => ({
      ...emulators,
      COMPLETION_TOPIC: TOPIC,
      MAX_RETRIES: '2',
      CLOUD_RUN_TASK_ATTEMPT: '0',
      CLOUD_RUN_EXECUTION: 'transcribe-test',
      BEAM_SIZE: '1',
      THREADS: '1',
      ...overrides,
      ...extra,
    }),
    async close() {
      await Promise.all([gcs.close(), pubsub.close(), run.close(), smtp.close()]);
    },
  };
}

export interface HttpEvent {
  headers: Record<string, string>;
  body: string;
}

/** What Eventarc POSTs for `google.cloud.storage.object.v1.finalized` (StorageObjectData, int64 fields as strings). */
export function storageEvent(object: StoredObject): HttpEvent {
  const id = `${object.bucket}/${object.name}/${object.generation}`;
  const data = {
    kind: 'storage#object',
    id,
    selfLink: `https://www.googleapis.com/storage/v1/b/${object.bucket}/o/${encodeURIComponent(object.name)}`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: object.metageneration,
    contentType: object.contentType,
    timeCreated: object.timeCreated,
    updated: object.updated,
    storageClass: 'STANDARD',
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: 'CAE=',
  };
  return {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'ce-id': `${object.generation}`,
      'ce-source': `//storage.googleapis.com/projects/_/buckets/${object.bucket}`,
      'ce-type': 'google.cloud.storage.object.v1.finalized',
      'ce-specversion': '1.0',
      // CloudEvents' HTTP binding percent-encodes header values outside printable ASCII (and space, '"', '%').
      'ce-subject': headerValue(`objects/${object.name}`),
      'ce-time': object.updated,
      'ce-bucket': object.bucket,
    },
    body: JSON.stringify(data),
  };
}

function headerValue(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

export function pubsubEvent(message: PublishedMessage): HttpEvent {
  return toPubSubCloudEvent(message);
}

/** A registered function served on loopback the way the Functions Framework serves it in Cloud Run. */
export interface ServedFunction {
  post(event: HttpEvent): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function serve(server: Server): Promise<ServedFunction> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    async post(event) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: event.headers, body: event.body });
      return { status: res.status, body: await res.text() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
