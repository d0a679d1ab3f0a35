/**
 * Loads a Google client library's own .proto files with @grpc/proto-loader, so loopback servers speak exactly the
 * wire format of the client version installed. The common protos (google/api, google/longrunning, google/protobuf)
 * come from the google-gax that the client itself resolves.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';

const cache = new Map<string, protoLoader.PackageDefinition>();

/** `clientPackage` is e.g. '@google-cloud/pubsub'; `files` are relative to its build/protos folder. */
export function loadClientProtos(clientPackage: string, files: string[]): protoLoader.PackageDefinition {
  const key = `${clientPackage}:${files.join(',')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const clientMain = createRequire(import.meta.url).resolve(clientPackage); // <package>/build/src/index.js
  const gaxMain = createRequire(clientMain).resolve('google-gax'); // google-gax/build/src/index.js
  const definition = protoLoader.loadSync(files, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [path.join(path.dirname(clientMain), '../protos'), path.join(path.dirname(gaxMain), '../protos')],
  });
  cache.set(key, definition);
  return definition;
}
