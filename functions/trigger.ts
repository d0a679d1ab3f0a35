import { createRequire } from 'node:module';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { JobsClient, type protos } from '@google-cloud/run';
import type { Env } from '../lib/config/common.js';
import { parseTriggerConfig, type TriggerConfig } from '../lib/config/trigger.js';
import { createLogger, type Logger } from '../lib/log.js';
import { completionPublisher, createPubSubClient } from '../lib/pubsub.js';
import { createStorageClient } from '../lib/storage/gcs-client.js';
import { GcsStore } from '../lib/storage/index.js';
import { handleSessionReady, type JobLauncher, type TriggerDeps } from './trigger-core.js';

/** Framework wiring for `onSessionReady`: builds the clients from the environment once, then hands events to the core. */
export type JobsClientOptions = NonNullable<ConstructorParameters<typeof JobsClient>[0]>;

/**
 * JobsClient options for RUN_API_ENDPOINT / RUN_API_TRANSPORT. An http:// endpoint (emulator, loopback tests) gets
 * no TLS and no credentials; gax's own copies of grpc-js and google-auth-library are used so the objects match the
 * ones the client checks at run time.
 */
export function jobsClientOptions(runApi: TriggerConfig['runApi']): JobsClientOptions {
  const options: JobsClientOptions = runApi.transport === 'rest' ? { fallback: true } : {};
  if (!runApi.endpoint) return options;
  const url = new URL(runApi.endpoint);
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  Object.assign(options, { apiEndpoint: url.hostname, port });
  if (secure) return options;
  const gax = createRequire(createRequire(import.meta.url).resolve('@google-cloud/run'))('google-gax') as typeof import('google-gax');
  if (runApi.transport === 'rest') return { ...options, protocol: 'http', authClient: new gax.googleAuthLibrary.PassThroughClient() };
  return { ...options, sslCreds: gax.grpc.credentials.createInsecure() };
}

export function createJobLauncher(client: JobsClient, jobName: string): JobLauncher {
  return {
    async run({ env, taskCount }) {
      const [operation] = await client.runJob({
        name: jobName,
        overrides: {
          containerOverrides: [{ env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
          ...(taskCount ? { taskCount } : {}),
        },
      });
      // Not awaiting operation.promise(): the execution runs for an hour; its metadata already names it.
      const execution = (operation.metadata as protos.google.cloud.run.v2.IExecution | null)?.name;
      return execution ?? operation.name ?? `${jobName} (execution name not returned)`;
    },
  };
}

export function triggerDepsFromEnv(env: Env = process.env, log: Logger = createLogger({ json: true, labels: { function: 'onSessionReady' } })): TriggerDeps {
  const config = parseTriggerConfig(env);
  const storage = createStorageClient(env);
  const publisher = completionPublisher(createPubSubClient(config.completionTopic, env), config.completionTopic);
  const jobs = new JobsClient(jobsClientOptions(config.runApi));
  return {
    config,
    openBucket: (bucket) => new GcsStore(storage, bucket, ''),
    publish: (message) => publisher.publish(message),
    launcher: createJobLauncher(jobs, config.jobName),
    log,
  };
}

/** The CloudEvent handler; `provide` is called on the first event (clients live as long as the instance). */
export function sessionReadyHandler(provide: () => TriggerDeps): (event: CloudEvent<unknown>) => Promise<void> {
  let deps: TriggerDeps | undefined;
  return async (event) => {
    deps ??= provide();
    await handleSessionReady(event, { ...deps, log: deps.log.child({ event: String(event.id ?? '') }) });
  };
}
