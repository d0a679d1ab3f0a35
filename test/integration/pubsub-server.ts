/**
 * Loopback Pub/Sub server speaking the real gRPC protocol (google.pubsub.v1 Publisher and Subscriber), built from the
 * .proto files that ship inside @google-cloud/pubsub, so tests drive the real client library in emulator mode:
 * `new PubSub({ projectId, apiEndpoint: server.host })` or PUBSUB_EMULATOR_HOST=server.host. Every published message
 * is kept per topic for assertions. RPCs not implemented here answer UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { loadClientProtos } from './google-protos.js';
import { createSubscriber } from './pubsub-subscriber.js';

export { toPubSubCloudEvent, type PubSubCloudEvent } from './pubsub-cloudevent.js';

export interface PublishedMessage {
  /** Full topic name, projects/P/topics/T. */
  topic: string;
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  /** RFC 3339, as Pub/Sub and Eventarc write it. */
  publishTime: string;
  orderingKey: string;
}

export interface PubSubServer {
  /** "127.0.0.1:port": the value for PUBSUB_EMULATOR_HOST or the client's `apiEndpoint`. */
  host: string;
  port: number;
  /** Cancels open streaming pulls and stops listening. Close clients first: they reconnect to a live server. */
  close(): Promise<void>;
  /** Messages published to a topic, oldest first; `topic` is a full name or, when unambiguous, the short one. */
  published(topic: string): PublishedMessage[];
  /** Resolves with the topic's `index`-th message (default the first) as soon as it exists. */
  waitForMessage(topic: string, timeoutMs?: number, index?: number): Promise<PublishedMessage>;
  /** Calls `listener` for every later publish; returns the function that unsubscribes it. */
  onPublish(listener: (message: PublishedMessage) => void): () => void;
}

type Done = grpc.sendUnaryData<unknown>;
type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
interface PublishRequest {
  topic: string;
  messages: Array<{ data: Buffer; attributes: Record<string, string>; orderingKey: string }>;
}

const TOPIC_NAME = /^projects\/[^/]+\/topics\/[^/]+$/;
const notFound = (name: string) => ({ code: grpc.status.NOT_FOUND, details: `Resource not found (resource=${name}).` });

export async function startPubSubServer(): Promise<PubSubServer> {
  const topics = new Map<string, PublishedMessage[]>();
  const listeners = new Set<(message: PublishedMessage) => void>();
  const subscriber = createSubscriber((topic) => topics.has(topic));
  let lastMessageId = 0;

  const publisher: grpc.UntypedServiceImplementation = {
    CreateTopic(call: Call<{ name: string }>, done: Done) {
      const { name } = call.request;
      if (!TOPIC_NAME.test(name)) return done({ code: grpc.status.INVALID_ARGUMENT, details: `Invalid [topics] name: (name=${name})` });
      if (topics.has(name)) return done({ code: grpc.status.ALREADY_EXISTS, details: 'Topic already exists' });
      topics.set(name, []);
      done(null, { name });
    },
    GetTopic(call: Call<{ topic: string }>, done: Done) {
      const { topic } = call.request;
      if (topics.has(topic)) done(null, { name: topic });
      else done(notFound(topic));
    },
    ListTopics(call: Call<{ project: string }>, done: Done) {
      const names = [...topics.keys()].filter((name) => name.startsWith(`${call.request.project}/topics/`));
      done(null, { topics: names.map((name) => ({ name })), nextPageToken: '' });
    },
    DeleteTopic(call: Call<{ topic: string }>, done: Done) {
      const { topic } = call.request;
      if (!topics.delete(topic)) return done(notFound(topic));
      subscriber.detachTopic(topic);
      done(null, {});
    },
    Publish(call: Call<PublishRequest>, done: Done) {
      const { topic, messages } = call.request;
      const held = topics.get(topic);
      if (!held) return done(notFound(topic));
      if (messages.length === 0) return done({ code: grpc.status.INVALID_ARGUMENT, details: 'The request contains no messages.' });
      const publishTime = new Date().toISOString();
      const stored = messages.map((m) => ({
        topic,
        data: Buffer.from(m.data),
        attributes: { ...m.attributes },
        messageId: String(++lastMessageId),
        publishTime,
        orderingKey: m.orderingKey,
      }));
      held.push(...stored);
      subscriber.deliver(topic, stored);
      for (const message of stored) for (const listener of [...listeners]) listener(message);
      done(null, { messageIds: stored.map((m) => m.messageId) });
    },
  };

  const definition = loadClientProtos('@google-cloud/pubsub', ['google/pubsub/v1/pubsub.proto']);
  const server = new grpc.Server();
  server.addService(definition['google.pubsub.v1.Publisher'] as grpc.ServiceDefinition, publisher);
  server.addService(definition['google.pubsub.v1.Subscriber'] as grpc.ServiceDefinition, subscriber.service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  const topicName = (topic: string): string => {
    if (topic.includes('/')) return topic;
    const matches = [...topics.keys()].filter((name) => name.endsWith(`/topics/${topic}`));
    if (matches.length > 1) throw new Error(`topic "${topic}" is ambiguous (${matches.join(', ')}); pass its full name`);
    return matches[0] ?? topic;
  };
  const published = (topic: string) => [...(topics.get(topicName(topic)) ?? [])];

  return {
    host: `127.0.0.1:${port}`,
    port,
    published,
    onPublish(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    waitForMessage(topic, timeoutMs = 5000, index = 0) {
      const ready = published(topic)[index];
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const check = () => {
          const message = published(topic)[index];
          if (!message) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(message);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no message #${index} on topic ${topic} within ${timeoutMs} ms (it holds ${published(topic).length})`));
        }, timeoutMs);
        listeners.add(check);
      });
    },
    async close() {
      subscriber.close();
      // Open StreamingPull calls never end on their own; cancelling them is what a shutting-down service does too.
      server.forceShutdown();
    },
  };
}
