/**
 * Loopback Cloud Run Admin API v2 for `JobsClient.runJob` (@google-cloud/run), on both transports the client has:
 * gRPC (its default) built from the .proto files inside the package, and the REST fallback (`fallback: true`,
 * POST /v2/{name=projects/*\/locations/*\/jobs/*}:run). RunJob answers a pending long-running Operation whose metadata
 * is the new Execution, as the real service does; GetOperation and GetExecution serve what it created.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { JobsClient } from '@google-cloud/run';
import * as grpc from '@grpc/grpc-js';
import { loadClientProtos } from './google-protos.js';
import { EXECUTION_TYPE, startRestTransport } from './run-server-rest.js';

export interface EnvVar {
  name: string;
  value: string;
}
export interface ContainerOverride {
  name: string;
  args: string[];
  clearArgs: boolean;
  env: EnvVar[];
}
/** One RunJob call as the server received it, normalised across transports. */
export interface RunJobRequest {
  transport: 'grpc' | 'rest';
  name: string;
  validateOnly: boolean;
  overrides: { containerOverrides: ContainerOverride[]; taskCount?: number; timeoutSeconds?: number };
  /** The execution the server created; absent when the call was refused. */
  executionName?: string;
}

export interface RunServer {
  /** Host the client's `apiEndpoint` takes; the gRPC port is `port`, the REST one `restPort`. */
  endpoint: string;
  port: number;
  restPort: number;
  close(): Promise<void>;
  requests: RunJobRequest[];
  /** The next RunJob fails with this gRPC status code (REST answers the matching HTTP status). */
  failNext(code: grpc.status, message: string): void;
  /** Ends an execution's operation, successfully or with an error, for clients that poll it. */
  complete(executionName: string, error?: { code: grpc.status; message: string }): void;
}

export interface RunServerOptions {
  /** Full job names that exist; when given, RunJob on any other name answers NOT_FOUND as the service does. */
  jobs?: string[];
}

export interface Operation {
  name: string;
  execution: Record<string, unknown>;
  done: boolean;
  error?: { code: grpc.status; message: string };
}

const JOB_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/]+)$/;

export type RunJobOutcome = Operation | { code: grpc.status; message: string };

interface WireDuration {
  seconds: string | number;
  nanos: number;
}
export interface WireRunJobRequest {
  name: string;
  validateOnly?: boolean;
  overrides?: { containerOverrides?: Array<Partial<ContainerOverride>>; taskCount?: number; timeout?: WireDuration | string | null } | null;
}

function normalise(request: WireRunJobRequest, transport: RunJobRequest['transport']): RunJobRequest {
  const overrides = request.overrides ?? {};
  const timeout = overrides.timeout;
  // Proto3 has no presence for int32: 0 is "not set"; the Duration arrives as an object (gRPC) or "3600s" (JSON).
  const timeoutSeconds = typeof timeout === 'string' ? Number.parseFloat(timeout) : timeout ? Number(timeout.seconds) + timeout.nanos / 1e9 : undefined;
  return {
    transport,
    name: request.name,
    validateOnly: request.validateOnly ?? false,
    overrides: {
      containerOverrides: (overrides.containerOverrides ?? []).map((c) => ({
        name: c.name ?? '',
        args: c.args ?? [],
        clearArgs: c.clearArgs ?? false,
        env: (c.env ?? []).map((e) => ({ name: e.name, value: e.value ?? '' })),
      })),
      ...(overrides.taskCount ? { taskCount: overrides.taskCount } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    },
  };
}

/** Every env override of a recorded request, across its containers, as one object. */
export function envOverrides(request: RunJobRequest): Record<string, string> {
  return Object.fromEntries(request.overrides.containerOverrides.flatMap((c) => c.env.map((e) => [e.name, e.value])));
}

export type JobsClientOptions = NonNullable<ConstructorParameters<typeof JobsClient>[0]>;

/**
 * The JobsClient options that talk to this server: gRPC (the client's default) with insecure channel credentials,
 * or the HTTP/1.1 REST fallback. Neither reads Google credentials.
 */
export function runClientOptions(server: RunServer, transport: 'grpc' | 'rest' = 'grpc'): JobsClientOptions {
  if (transport === 'grpc') {
    return { apiEndpoint: server.endpoint, port: server.port, sslCreds: grpc.credentials.createInsecure() };
  }
  // The REST transport sends through its auth client; PassThroughClient is google-auth-library's credential-less one
  // "for local emulators", taken from the copy the client's google-gax uses so the two agree on types at run time.
  const gaxMain = createRequire(createRequire(import.meta.url).resolve('@google-cloud/run')).resolve('google-gax');
  const { PassThroughClient } = createRequire(gaxMain)('google-auth-library') as {
    PassThroughClient: new () => NonNullable<JobsClientOptions['authClient']>;
  };
  return { apiEndpoint: server.endpoint, port: server.restPort, fallback: true, protocol: 'http', authClient: new PassThroughClient() };
}

export async function startRunServer(options: RunServerOptions = {}): Promise<RunServer> {
  const requests: RunJobRequest[] = [];
  const operations = new Map<string, Operation>();
  let pendingFailure: { code: grpc.status; message: string } | undefined;

  // Shared by both transports: validates, records, creates the execution; returns the operation or the refusal.
  const runJob = (request: RunJobRequest): RunJobOutcome => {
    requests.push(request);
    const match = JOB_NAME.exec(request.name);
    if (!match) return { code: grpc.status.INVALID_ARGUMENT, message: `Invalid job name "${request.name}": expected projects/*/locations/*/jobs/*` };
    const [, project, location, job] = match;
    if (pendingFailure) {
      const failure = pendingFailure;
      pendingFailure = undefined;
      return failure;
    }
    if (options.jobs && !options.jobs.includes(request.name)) {
      return { code: grpc.status.NOT_FOUND, message: `Resource '${job}' of kind 'JOB' in region '${location}' in project '${project}' does not exist.` };
    }
    const executionName = `${request.name}/executions/${job}-${randomUUID().slice(0, 5)}`;
    request.executionName = executionName;
    const now = new Date();
    const execution = {
      name: executionName,
      uid: randomUUID(),
      generation: '1',
      job,
      createTime: { seconds: Math.floor(now.getTime() / 1000), nanos: (now.getTime() % 1000) * 1e6 },
      taskCount: request.overrides.taskCount ?? 1,
      parallelism: request.overrides.taskCount ?? 1,
      launchStage: 'GA',
      logUri: `https://console.cloud.google.com/logs/viewer?project=${project}`,
    };
    const operation = { name: `projects/${project}/locations/${location}/operations/${randomUUID()}`, execution, done: false };
    operations.set(operation.name, operation);
    return operation;
  };

  const definition = loadClientProtos('@google-cloud/run', [
    'google/cloud/run/v2/job.proto',
    'google/cloud/run/v2/execution.proto',
    'google/longrunning/operations.proto',
  ]);
  const executionService = definition['google.cloud.run.v2.Executions'] as grpc.ServiceDefinition;
  const encodeExecution = (execution: Record<string, unknown>) => executionService.GetExecution!.responseSerialize(execution);
  const grpcOperation = (op: Operation) => ({
    name: op.name,
    metadata: { typeUrl: EXECUTION_TYPE, value: encodeExecution(op.execution) },
    done: op.done,
    ...(op.error ? { error: { code: op.error.code, message: op.error.message, details: [] } } : {}),
    ...(op.done && !op.error ? { response: { typeUrl: EXECUTION_TYPE, value: encodeExecution(op.execution) } } : {}),
  });
  const server = new grpc.Server();
  server.addService(definition['google.cloud.run.v2.Jobs'] as grpc.ServiceDefinition, {
    RunJob(call: grpc.ServerUnaryCall<WireRunJobRequest, unknown>, done: grpc.sendUnaryData<unknown>) {
      const result = runJob(normalise(call.request, 'grpc'));
      if ('execution' in result) done(null, grpcOperation(result));
      else done({ code: result.code, details: result.message });
    },
  });
  server.addService(definition['google.longrunning.Operations'] as grpc.ServiceDefinition, {
    GetOperation(call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) {
      const op = operations.get(call.request.name);
      if (op) done(null, grpcOperation(op));
      else done({ code: grpc.status.NOT_FOUND, details: `Operation ${call.request.name} not found.` });
    },
  });
  server.addService(executionService, {
    GetExecution(call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) {
      const op = [...operations.values()].find((o) => o.execution.name === call.request.name);
      if (op) done(null, op.execution);
      else done({ code: grpc.status.NOT_FOUND, details: `Execution ${call.request.name} not found.` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  const rest = await startRestTransport((wire) => runJob(normalise(wire, 'rest')), (name) => operations.get(name));

  return {
    endpoint: '127.0.0.1',
    port,
    restPort: rest.port,
    requests,
    failNext(code, message) {
      pendingFailure = { code, message };
    },
    complete(executionName, error) {
      const op = [...operations.values()].find((o) => o.execution.name === executionName);
      if (!op) throw new Error(`no execution named ${executionName}; known: ${requests.map((r) => r.executionName).join(', ')}`);
      op.done = true;
      if (error) op.error = error;
    },
    async close() {
      await rest.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
