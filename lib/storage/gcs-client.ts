import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { Env } from '../config/common.js';
import { ConfigError } from '../errors.js';

/** A service-account key, enough to sign V4 URLs locally (no IAM signBlob round trip). */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
}

export interface StorageClientOptions {
  credentials?: ServiceAccountKey;
  projectId?: string;
}

/**
 * Builds the Cloud Storage client for an entry point. With `STORAGE_EMULATOR_HOST` set (tests, local emulators) the
 * client talks to that origin without authenticating; otherwise it uses Application Default Credentials.
 *
 * Why the endpoint is passed explicitly although the library also reads `process.env.STORAGE_EMULATOR_HOST`: the
 * library only looks at the process environment, at construction, so an `env` given here would otherwise be ignored.
 * When both are set the library sends JSON-API calls to `<host>/b/...` and uploads to `<host>/upload/storage/v1/...`;
 * with only the explicit endpoint it uses `<host>/storage/v1/b/...`. Emulators accept both.
 */
export function createStorageClient(env: Env = process.env, options: StorageClientOptions = {}): Storage {
  const problems: string[] = [];
  const emulator = parseEmulatorHost(env.STORAGE_EMULATOR_HOST, problems);
  if (options.credentials) checkKey(options.credentials, problems);
  if (problems.length) throw new ConfigError(problems, 'Cannot build the Cloud Storage client');

  const storageOptions: StorageOptions = {};
  const projectId = options.projectId ?? env.GOOGLE_CLOUD_PROJECT;
  if (projectId) storageOptions.projectId = projectId;
  if (options.credentials) {
    storageOptions.credentials = {
      client_email: options.credentials.client_email,
      private_key: options.credentials.private_key,
    };
  }
  if (emulator) storageOptions.apiEndpoint = emulator;
  return new Storage(storageOptions);
}

/** Accepts `http(s)://host[:port]` only: a bare `host:port` would make the library build URLs without a scheme. */
function parseEmulatorHost(value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    problems.push(`STORAGE_EMULATOR_HOST="${value}" is not a URL; set it to http://HOST:PORT`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`STORAGE_EMULATOR_HOST="${value}" must start with http:// or https:// (for example http://127.0.0.1:4443)`);
    return undefined;
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    problems.push(`STORAGE_EMULATOR_HOST="${value}" must be an origin without a path (for example http://127.0.0.1:4443)`);
    return undefined;
  }
  return url.origin;
}

function checkKey(key: ServiceAccountKey, problems: string[]): void {
  if (typeof key.client_email !== 'string' || !key.client_email.includes('@')) {
    problems.push('credentials.client_email must be a service-account email address');
  }
  if (typeof key.private_key !== 'string' || !key.private_key.includes('PRIVATE KEY')) {
    problems.push('credentials.private_key must be a PEM private key ("-----BEGIN PRIVATE KEY-----...")');
  }
}
