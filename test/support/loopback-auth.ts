import { OAuth2Client } from 'google-auth-library';
import type { VertexRecapOptions } from '../../job/engines/recap-vertex.js';

/** The access token the loopback Vertex AI server sees. */
export const LOOPBACK_TOKEN = 'loopback-access-token';

/**
 * Google credentials for tests: a real OAuth2 client holding an access token that expires in an hour, so the SDK
 * signs its requests without looking for Application Default Credentials, the metadata server or a token endpoint.
 */
export function loopbackGoogleAuth(): NonNullable<VertexRecapOptions['googleAuthOptions']> {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: LOOPBACK_TOKEN, expiry_date: Date.now() + 3600_000, token_type: 'Bearer' });
  return { authClient };
}
