import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { JobsClient, protos } from '@google-cloud/run';
import { envOverrides, runClientOptions, startRunServer, type RunServer } from './run-server.js';

const JOB = 'projects/jdr-test/locations/europe-west1/jobs/transcribe';
type Execution = protos.google.cloud.run.v2.IExecution;

describe('loopback Cloud Run Admin API with the real JobsClient', () => {
  let server: RunServer;
  before(async () => {
    server = await startRunServer({ jobs: [JOB] });
  });
  after(async () => {
    await server.close();
  });

  for (const transport of ['grpc', 'rest'] as const) {
    describe(`over ${transport}`, () => {
      let client: JobsClient;
      before(() => {
        client = new JobsClient(runClientOptions(server, transport));
      });
      after(async () => {
        await client.close();
      });

      it('starts an execution without waiting and names it in operation.metadata', async () => {
        const [operation] = await client.runJob({
          name: JOB,
          overrides: {
            containerOverrides: [{ env: [{ name: 'SESSION', value: 'campagne-42' }, { name: 'RUN_ID', value: 'r1' }] }],
            taskCount: 3,
            timeout: { seconds: 7200 },
          },
        });

        // The operation stays pending while the job runs; the Execution is its metadata from the first answer on.
        assert.equal(operation.done, false);
        const execution = operation.metadata as Execution;
        assert.match(execution.name ?? '', /^projects\/jdr-test\/locations\/europe-west1\/jobs\/transcribe\/executions\/transcribe-[0-9a-f]{5}$/);
        assert.equal(client.matchExecutionFromExecutionName(execution.name!), execution.name!.split('/').at(-1));
        assert.equal(execution.taskCount, 3);

        const seen = server.requests.at(-1)!;
        assert.equal(seen.transport, transport);
        assert.equal(seen.name, JOB);
        assert.equal(seen.executionName, execution.name);
        assert.deepEqual(envOverrides(seen), { SESSION: 'campagne-42', RUN_ID: 'r1' });
        assert.deepEqual(seen.overrides.containerOverrides[0]!.env, [
          { name: 'SESSION', value: 'campagne-42' },
          { name: 'RUN_ID', value: 'r1' },
        ]);
        assert.equal(seen.overrides.taskCount, 3);
        assert.equal(seen.overrides.timeoutSeconds, 7200);
      });

      it('records a bare run without overrides', async () => {
        await client.runJob({ name: JOB });
        assert.deepEqual(server.requests.at(-1)!.overrides, { containerOverrides: [] });
      });

      it('resolves operation.promise() once the server completes the execution, and rejects on its error', async () => {
        const [succeeded] = await client.runJob({ name: JOB });
        const name = (succeeded.metadata as Execution).name!;
        server.complete(name);
        const [execution] = await succeeded.promise();
        assert.equal((execution as Execution).name, name);

        const [failed] = await client.runJob({ name: JOB });
        server.complete((failed.metadata as Execution).name!, { code: grpc.status.INTERNAL, message: 'Task failed after 3 retries' });
        await assert.rejects(failed.promise(), { code: grpc.status.INTERNAL, message: /Task failed after 3 retries/ });
      });
    });
  }

  // How each transport reports a refusal: gRPC keeps the google.rpc code in err.code and the server's text in
  // err.details; REST surfaces the HTTP status in err.code and the JSON error body in err.message.
  const refusals = [
    { transport: 'grpc', expected: { code: grpc.status.PERMISSION_DENIED, details: 'Permission denied on job' } },
    { transport: 'rest', expected: { code: 403, message: /"status":"PERMISSION_DENIED"/ } },
  ] as const;
  for (const { transport, expected } of refusals) {
    it(`fails the next RunJob with the chosen status (${transport}), then accepts again`, async () => {
      const client = new JobsClient(runClientOptions(server, transport));
      try {
        server.failNext(grpc.status.PERMISSION_DENIED, 'Permission denied on job');
        await assert.rejects(client.runJob({ name: JOB }), expected);
        assert.equal(server.requests.at(-1)!.executionName, undefined);
        const [operation] = await client.runJob({ name: JOB });
        assert.ok((operation.metadata as Execution).name);
      } finally {
        await client.close();
      }
    });
  }

  it('answers NOT_FOUND for a job that does not exist and INVALID_ARGUMENT for a malformed name', async () => {
    const client = new JobsClient(runClientOptions(server));
    try {
      await assert.rejects(client.runJob({ name: 'projects/jdr-test/locations/europe-west1/jobs/other' }), {
        code: grpc.status.NOT_FOUND,
        details: "Resource 'other' of kind 'JOB' in region 'europe-west1' in project 'jdr-test' does not exist.",
      });
      await assert.rejects(client.runJob({ name: 'transcribe' }), { code: grpc.status.INVALID_ARGUMENT });
    } finally {
      await client.close();
    }
  });
});
