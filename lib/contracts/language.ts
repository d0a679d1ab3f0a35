import { z } from 'zod';

/** An ISO 639 language code as the manifest, the CLI and the job's environment take it ("fr", "en"). */
export const languageCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2,3}$/, 'must be a language code such as "fr" or "en"');
