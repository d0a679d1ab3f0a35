/**
 * The REST (HTTP/1.1 + JSON) transport of the loopback Cloud Run Admin API, what JobsClient speaks with
 * `fallback: true`: POST /v2/{name=projects/*\/locations/*\/jobs/*}:run and GET /v2/{name=.../operations/*}, with
 * google.rpc.Status errors as `{error: {code, message, status}}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Operation, RunJobOutcome, WireRunJobRequest } from './run-server.js';

export const EXECUTION_TYPE = 'type.googleapis.com/google.cloud.run.v2.Execution';

// google.rpc.Code to HTTP, from google/rpc/code.proto.
const HTTP_STATUS: Record<number, number> = { 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 };
const RUN_PATH = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+):run$/;
const OPERATION_PATH = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+)$/;

// Proto3 JSON: an Any carries "@type" beside the message's own fields; Timestamps are RFC 3339 strings.
function restOperation(op: Operation) {
  const created = op.execution.createTime as { seconds: number; nanos: number };
  const execution = { '@type': EXECUTION_TYPE, ...op.execution, createTime: new Date(created.seconds * 1000 + created.nanos / 1e6).toISOString() };
  return {
    name: op.name,
    metadata: execution,
    done: op.done,
    ...(op.error ? { error: op.error } : {}),
    ...(op.done && !op.error ? { response: execution } : {}),
  };
}

export async function startRestTransport(
  runJob: (request: WireRunJobRequest) => RunJobOutcome,
  getOperation: (name: string) => Operation | undefined,
): Promise<{ port: number; close(): Promise<void> }> {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    const fail = (code: grpc.status, message: string) =>
      send(HTTP_STATUS[code] ?? 500, { error: { code: HTTP_STATUS[code] ?? 500, message, status: grpc.status[code] } });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://loopback').pathname);
    const run = RUN_PATH.exec(pathname);
    if (req.method === 'POST' && run) {
      let body: WireRunJobRequest;
      try {
        // The name travels in the path; with `body: "*"` the JSON holds the other fields.
        body = { ...(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as WireRunJobRequest), name: run[1]! };
      } catch {
        return fail(grpc.status.INVALID_ARGUMENT, 'Invalid JSON payload received.');
      }
      const result = runJob(body);
      return 'execution' in result ? send(200, restOperation(result)) : fail(result.code, result.message);
    }
    const operation = OPERATION_PATH.exec(pathname);
    if (req.method === 'GET' && operation) {
      const op = getOperation(operation[1]!);
      return op ? send(200, restOperation(op)) : fail(grpc.status.NOT_FOUND, `Operation ${operation[1]} not found.`);
    }
    fail(grpc.status.UNIMPLEMENTED, `${req.method} ${pathname} is not served by this loopback Cloud Run API`);
  };

  const http = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    async close() {
      // The client keeps HTTP connections alive; without this close() would wait for them to idle out.
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
