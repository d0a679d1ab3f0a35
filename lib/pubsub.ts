import { PubSub } from '@google-cloud/pubsub';
import type { Env } from './config/common.js';
import { parseCompletionMessage, type CompletionInput, type CompletionMessage } from './contracts/completion.js';
import { ConfigError, errorMessage, TransientError } from './errors.js';

/**
 * Publishing completion messages with @google-cloud/pubsub. Messages are validated against the contract before they
 * leave, so a consumer never has to guess what a broken one meant.
 */
export interface CompletionPublisher {
  /** Resolves with the Pub/Sub message id. */
  publish(message: CompletionInput): Promise<string>;
  close(): Promise<void>;
}

const TOPIC = /^projects\/([^/]+)\/topics\/[^/]+$/;

/**
 * The client for the project that owns `topic` (a full name). With PUBSUB_EMULATOR_HOST (`host:port`) it talks to
 * that endpoint without TLS or credentials. The endpoint is passed explicitly because the library would only look at
 * the process environment, and `env` may be another object.
 */
export function createPubSubClient(topic: string, env: Env = process.env): PubSub {
  const project = TOPIC.exec(topic)?.[1];
  const problems: string[] = [];
  if (!project) problems.push(`COMPLETION_TOPIC="${topic}" must be a full topic name: projects/PROJECT/topics/TOPIC`);
  const emulator = env.PUBSUB_EMULATOR_HOST?.trim();
  if (emulator && !/^[\w.-]+:\d{1,5}$|^\[[\da-f:]+\]:\d{1,5}$/i.test(emulator)) {
    problems.push(`PUBSUB_EMULATOR_HOST="${emulator}" must be HOST:PORT (for example 127.0.0.1:8085)`);
  }
  if (problems.length > 0) throw new ConfigError(problems, 'Cannot build the Pub/Sub client');
  return new PubSub({ projectId: project, ...(emulator ? { apiEndpoint: emulator, emulatorMode: true } : {}) });
}

export function completionPublisher(pubsub: PubSub, topicName: string): CompletionPublisher {
  const topic = pubsub.topic(topicName);
  return {
    async publish(input) {
      const message: CompletionMessage = parseCompletionMessage(input, 'outgoing completion message');
      try {
        return await topic.publishMessage({
          json: message,
          // Attributes let a subscription filter (e.g. only failures) without decoding the body.
          attributes: { version: String(message.version), status: message.status, session: message.session, runId: message.runId },
        });
      } catch (err) {
        throw new TransientError(`Publishing to ${topicName} failed: ${errorMessage(err)}`, { cause: err });
      }
    },
    close: () => pubsub.close(),
  };
}
