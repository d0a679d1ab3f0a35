import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobsClient } from '@google-cloud/run';
import { createJobLauncher, jobsClientOptions, triggerDepsFromEnv } from '../../functions/trigger.js';
import { ConfigError } from '../../lib/errors.js';
import { envOverrides, startRunServer, type RunServer } from '../integration/run-server.js';

const JOB = 'projects/jdr-test/locations/europe-west1/jobs/transcribe';

describe('trigger wiring', () => {
  let server: RunServer;
  before(async () => {
    server = await startRunServer({ jobs: [JOB] });
  });
  after(async () => {
    await server.close();
  });

  for (const transport of ['grpc', 'rest'] as const) {
    it(`starts the job over ${transport} from RUN_API_ENDPOINT, without waiting, and returns the execution`, async () => {
      const port = transport === 'grpc' ? server.port : server.restPort;
      const client = new JobsClient(jobsClientOptions({ endpoint: `http://127.0.0.1:${port}`, transport }));
      try {
        const execution = await createJobLauncher(client, JOB).run({ env: { RUN_ID: 'r1', INPUT_PREFIX: 'gs://in/sessions/s/' }, taskCount: 2 });
        const seen = server.requests.at(-1)!;
        assert.equal(seen.transport, transport);
        assert.equal(seen.executionName, execution);
        assert.match(execution, /^projects\/jdr-test\/locations\/europe-west1\/jobs\/transcribe\/executions\//);
        assert.deepEqual(envOverrides(seen), { RUN_ID: 'r1', INPUT_PREFIX: 'gs://in/sessions/s/' });
        assert.equal(seen.overrides.taskCount, 2);
      } finally {
        await client.close();
      }
    });
  }

  it('passes Cloud Run refusals on as errors', async () => {
    const client = new JobsClient(jobsClientOptions({ endpoint: `http://127.0.0.1:${server.port}`, transport: 'grpc' }));
    try {
      await assert.rejects(createJobLauncher(client, `${JOB}-missing`).run({ env: {} }), /does not exist/);
    } finally {
      await client.close();
    }
  });

  it('uses TLS and Google credentials for https endpoints, and the default endpoint when none is set', () => {
    assert.deepEqual(jobsClientOptions({ endpoint: 'https://europe-west1-run.googleapis.com', transport: 'grpc' }), { apiEndpoint: 'europe-west1-run.googleapis.com', port: 443 });
    assert.deepEqual(jobsClientOptions({ endpoint: undefined, transport: 'rest' }), { fallback: true });
  });

  it('refuses to start with a broken environment, naming every variable', () => {
    assert.throws(() => triggerDepsFromEnv({}), (err: unknown) => err instanceof ConfigError && /JOB_NAME[\s\S]*OUTPUT_BUCKET[\s\S]*COMPLETION_TOPIC/.test(err.message));
  });
});
