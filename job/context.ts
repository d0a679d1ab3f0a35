import { errorMessage } from '../lib/errors.js';
import { EMPTY_CONTEXT, parseSessionContext, type SessionContext } from '../lib/contracts/context.js';
import type { Store } from '../lib/storage/index.js';

/** Where a session's context.yaml lives; voice samples are resolved relative to its folder. */
export interface ContextLocation {
  store: Store;
  key: string;
  /** Whether the user named it explicitly (then its absence is worth a warning). */
  explicit: boolean;
}

/**
 * Loads context.yaml. A missing or broken context never fails a run that can go on without it: the transcript
 * loses names and spellings, and the report says why.
 */
export async function loadContext(location: ContextLocation | undefined): Promise<{ context: SessionContext; warnings: string[] }> {
  if (!location) return { context: EMPTY_CONTEXT, warnings: [] };
  const uri = location.store.uriOf(location.key);
  const info = await location.store.stat(location.key);
  if (!info) {
    return {
      context: EMPTY_CONTEXT,
      warnings: location.explicit ? [`${uri} was not found: transcribed without speaker names or glossary`] : [],
    };
  }
  try {
    return parseSessionContext((await location.store.read(location.key)).toString('utf8'), uri);
  } catch (err) {
    return { context: EMPTY_CONTEXT, warnings: [`${errorMessage(err)}\nThe session was transcribed without its context.`] };
  }
}
