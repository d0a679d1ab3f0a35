import * as functions from '@google-cloud/functions-framework';
import { sessionReadyHandler, triggerDepsFromEnv } from './trigger.js';
import { transcriptReadyHandler, mailerDepsFromEnv } from './mailer.js';

/**
 * The two Cloud Functions (2nd gen, Eventarc CloudEvents). Clients are built from the environment on each
 * instance's first event, not at import, so that a configuration problem shows up as a failed event with a message
 * naming every variable to fix.
 *   onSessionReady     google.cloud.storage.object.v1.finalized on the input bucket
 *   onTranscriptReady  google.cloud.pubsub.topic.v1.messagePublished on the completion topic
 */
functions.cloudEvent('onSessionReady', sessionReadyHandler(() => triggerDepsFromEnv(process.env)));
functions.cloudEvent('onTranscriptReady', transcriptReadyHandler(() => mailerDepsFromEnv(process.env)));
