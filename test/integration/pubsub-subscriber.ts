/**
 * The Subscriber half of the loopback Pub/Sub server: subscriptions, leases with ack deadlines, Pull and
 * StreamingPull. A subscription receives what is published after it exists; an unacknowledged message comes back
 * when its deadline passes or when it is nacked (ModifyAckDeadline 0), with deliveryAttempt counted up.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { PublishedMessage } from './pubsub-server.js';

type Done = grpc.sendUnaryData<unknown>;
type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
type Stream = grpc.ServerDuplexStream<StreamingPullRequest, unknown>;
interface StreamingPullRequest {
  subscription: string;
  ackIds: string[];
  modifyDeadlineSeconds: number[];
  modifyDeadlineAckIds: string[];
}
interface Lease {
  message: PublishedMessage;
  attempt: number;
  timer: NodeJS.Timeout;
}
interface Subscription {
  name: string;
  topic: string;
  ackDeadlineSeconds: number;
  backlog: Array<{ message: PublishedMessage; attempt: number }>;
  leases: Map<string, Lease>;
  streams: Stream[];
  nextStream: number;
}

const SUBSCRIPTION_NAME = /^projects\/[^/]+\/subscriptions\/[^/]+$/;
const notFound = (name: string) => ({ code: grpc.status.NOT_FOUND, details: `Resource not found (resource=${name}).` });

export function toWireMessage(message: PublishedMessage) {
  const ms = Date.parse(message.publishTime);
  return {
    data: message.data,
    attributes: message.attributes,
    messageId: message.messageId,
    publishTime: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
    orderingKey: message.orderingKey,
  };
}

export function createSubscriber(topicExists: (topic: string) => boolean) {
  const subscriptions = new Map<string, Subscription>();

  const lease = (sub: Subscription, message: PublishedMessage, attempt: number) => {
    const ackId = randomUUID();
    const timer = setTimeout(() => redeliver(sub, ackId), sub.ackDeadlineSeconds * 1000).unref();
    sub.leases.set(ackId, { message, attempt, timer });
    return { ackId, message: toWireMessage(message), deliveryAttempt: attempt };
  };

  const redeliver = (sub: Subscription, ackId: string) => {
    const held = sub.leases.get(ackId);
    if (!held) return;
    clearTimeout(held.timer);
    sub.leases.delete(ackId);
    sub.backlog.push({ message: held.message, attempt: held.attempt + 1 });
    pump(sub);
  };

  // Streams of one subscription share its backlog round-robin, as the service balances across clients.
  const pump = (sub: Subscription) => {
    while (sub.backlog.length > 0 && sub.streams.length > 0) {
      const stream = sub.streams[sub.nextStream++ % sub.streams.length]!;
      const { message, attempt } = sub.backlog.shift()!;
      stream.write({ receivedMessages: [lease(sub, message, attempt)] });
    }
  };

  const modify = (sub: Subscription, ackIds: string[], seconds: (i: number) => number) => {
    ackIds.forEach((ackId, i) => {
      const held = sub.leases.get(ackId);
      if (!held) return;
      if (seconds(i) <= 0) return redeliver(sub, ackId);
      clearTimeout(held.timer);
      held.timer = setTimeout(() => redeliver(sub, ackId), seconds(i) * 1000).unref();
    });
  };

  const acknowledge = (sub: Subscription, ackIds: string[]) => {
    for (const ackId of ackIds) {
      clearTimeout(sub.leases.get(ackId)?.timer);
      sub.leases.delete(ackId);
    }
  };

  // Runs `then` with the named subscription, or answers NOT_FOUND.
  const withSubscription = (name: string, done: Done, then: (sub: Subscription) => void) => {
    const sub = subscriptions.get(name);
    if (sub) then(sub);
    else done(notFound(name));
  };

  const service: grpc.UntypedServiceImplementation = {
    CreateSubscription(call: Call<{ name: string; topic: string; ackDeadlineSeconds: number }>, done: Done) {
      const { name, topic } = call.request;
      if (!SUBSCRIPTION_NAME.test(name)) return done({ code: grpc.status.INVALID_ARGUMENT, details: `Invalid [subscriptions] name: (name=${name})` });
      if (subscriptions.has(name)) return done({ code: grpc.status.ALREADY_EXISTS, details: 'Subscription already exists' });
      if (!topicExists(topic)) return done(notFound(topic));
      const ackDeadlineSeconds = call.request.ackDeadlineSeconds || 10;
      subscriptions.set(name, { name, topic, ackDeadlineSeconds, backlog: [], leases: new Map(), streams: [], nextStream: 0 });
      done(null, { ...call.request, ackDeadlineSeconds });
    },
    GetSubscription(call: Call<{ subscription: string }>, done: Done) {
      withSubscription(call.request.subscription, done, (sub) => done(null, { name: sub.name, topic: sub.topic, ackDeadlineSeconds: sub.ackDeadlineSeconds }));
    },
    DeleteSubscription(call: Call<{ subscription: string }>, done: Done) {
      withSubscription(call.request.subscription, done, (sub) => {
        for (const held of sub.leases.values()) clearTimeout(held.timer);
        for (const stream of sub.streams) stream.destroy(Object.assign(new Error('subscription deleted'), { code: grpc.status.NOT_FOUND }));
        subscriptions.delete(sub.name);
        done(null, {});
      });
    },
    // Answers at once with what is waiting (possibly nothing), like a pull with returnImmediately.
    Pull(call: Call<{ subscription: string; maxMessages: number }>, done: Done) {
      withSubscription(call.request.subscription, done, (sub) => {
        const taken = sub.backlog.splice(0, Math.max(1, call.request.maxMessages));
        done(null, { receivedMessages: taken.map(({ message, attempt }) => lease(sub, message, attempt)) });
      });
    },
    Acknowledge(call: Call<{ subscription: string; ackIds: string[] }>, done: Done) {
      withSubscription(call.request.subscription, done, (sub) => (acknowledge(sub, call.request.ackIds), done(null, {})));
    },
    ModifyAckDeadline(call: Call<{ subscription: string; ackIds: string[]; ackDeadlineSeconds: number }>, done: Done) {
      withSubscription(call.request.subscription, done, (sub) => {
        modify(sub, call.request.ackIds, () => call.request.ackDeadlineSeconds);
        done(null, {});
      });
    },
    StreamingPull(stream: Stream) {
      let sub: Subscription | undefined;
      const detach = () => {
        if (sub) sub.streams = sub.streams.filter((s) => s !== stream);
      };
      stream.on('data', (request: StreamingPullRequest) => {
        if (!sub) {
          sub = subscriptions.get(request.subscription);
          if (!sub) return stream.destroy(Object.assign(new Error(notFound(request.subscription).details), { code: grpc.status.NOT_FOUND }));
          sub.streams.push(stream);
        }
        const current = sub;
        acknowledge(current, request.ackIds);
        modify(current, request.modifyDeadlineAckIds, (i) => request.modifyDeadlineSeconds[i] ?? 0);
        pump(current);
      });
      stream.on('end', () => (detach(), stream.end()));
      stream.on('cancelled', detach);
      stream.on('error', detach);
    },
  };

  return {
    service,
    deliver(topic: string, messages: PublishedMessage[]) {
      for (const sub of subscriptions.values()) {
        if (sub.topic !== topic) continue;
        sub.backlog.push(...messages.map((message) => ({ message, attempt: 1 })));
        pump(sub);
      }
    },
    // A subscription outlives its deleted topic, as in the service, where it shows topic "_deleted-topic_".
    detachTopic(topic: string) {
      for (const sub of subscriptions.values()) if (sub.topic === topic) sub.topic = '_deleted-topic_';
    },
    close() {
      for (const sub of subscriptions.values()) for (const held of sub.leases.values()) clearTimeout(held.timer);
    },
  };
}
