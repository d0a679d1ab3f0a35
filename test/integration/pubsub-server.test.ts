import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { PubSub, v1, type Message } from '@google-cloud/pubsub';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { HTTP, type CloudEventV1 } from 'cloudevents';
import { startPubSubServer, toPubSubCloudEvent, type PubSubServer } from './pubsub-server.js';

const PROJECT = 'jdr-test';

describe('loopback Pub/Sub server with the real @google-cloud/pubsub client', () => {
  let server: PubSubServer;
  let pubsub: PubSub;

  before(async () => {
    server = await startPubSubServer();
    // A non-googleapis.com apiEndpoint puts the client in emulator mode: insecure channel, no credentials.
    pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: server.host });
  });
  after(async () => {
    await pubsub.close();
    await server.close();
  });

  it('keeps a published JSON message with the id and publish time the client was given', async () => {
    const [topic] = await pubsub.createTopic('completions');
    assert.equal(topic.name, `projects/${PROJECT}/topics/completions`);
    const id = await topic.publishMessage({ json: { session: 's1', status: 'succeeded' } });

    const held = server.published('completions');
    assert.equal(held.length, 1);
    assert.equal(held[0]!.messageId, id);
    assert.deepEqual(JSON.parse(held[0]!.data.toString('utf8')), { session: 's1', status: 'succeeded' });
    assert.deepEqual(held[0]!.attributes, {});
    assert.equal(held[0]!.topic, `projects/${PROJECT}/topics/completions`);
    assert.equal(new Date(held[0]!.publishTime).toISOString(), held[0]!.publishTime);
    assert.deepEqual(server.published(`projects/${PROJECT}/topics/completions`), held);
  });

  it('passes attributes through and tells waiters and listeners about later publishes', async () => {
    const [topic] = await pubsub.createTopic('with-attributes');
    const heard: string[] = [];
    const stop = server.onPublish((m) => heard.push(m.messageId));
    const waiting = server.waitForMessage('with-attributes');
    const id = await topic.publishMessage({ data: Buffer.from('hello'), attributes: { version: '1', kind: 'completion' } });
    stop();
    await topic.publishMessage({ data: Buffer.from('unheard') });

    const message = await waiting;
    assert.equal(message.messageId, id);
    assert.deepEqual(message.attributes, { version: '1', kind: 'completion' });
    assert.equal(message.data.toString(), 'hello');
    assert.deepEqual(heard, [id]);
    assert.equal((await server.waitForMessage('with-attributes', 1000, 1)).data.toString(), 'unheard');
  });

  it('reports unknown topics and duplicates with the gRPC codes of the service', async () => {
    await assert.rejects(pubsub.topic('missing').publishMessage({ data: Buffer.from('x') }), { code: grpc.status.NOT_FOUND });
    await pubsub.createTopic('twice');
    await assert.rejects(pubsub.createTopic('twice'), { code: grpc.status.ALREADY_EXISTS });
    assert.deepEqual(await pubsub.topic('twice').exists(), [true]);
    assert.deepEqual(await pubsub.topic('missing').exists(), [false]);
    await assert.rejects(server.waitForMessage('missing', 10), /no message #0 on topic missing/);
  });

  it('streams messages to subscription.on("message"), redelivering a nacked one', async () => {
    const [topic] = await pubsub.createTopic('streamed');
    const [subscription] = await topic.createSubscription('mailer');
    const deliveries: Message[] = [];
    const acked = new Promise<Message>((resolve) => {
      subscription.on('message', (message: Message) => {
        deliveries.push(message);
        if (deliveries.length === 1) return message.nack();
        message.ack();
        resolve(message);
      });
    });
    const id = await topic.publishMessage({ json: { n: 1 }, attributes: { a: 'b' } });

    const message = await acked;
    // close() flushes pending acks before it resolves.
    await subscription.close();
    assert.deepEqual(deliveries.map((m) => m.id), [id, id]);
    assert.deepEqual(deliveries.map((m) => m.deliveryAttempt), [1, 2]);
    assert.deepEqual(JSON.parse(message.data.toString()), { n: 1 });
    assert.deepEqual(message.attributes, { a: 'b' });
    assert.equal(message.publishTime.getTime(), Date.parse(server.published('streamed')[0]!.publishTime));

    const subscriber = new v1.SubscriberClient({ servicePath: '127.0.0.1', port: server.port, sslCreds: grpc.credentials.createInsecure() });
    const [pulled] = await subscriber.pull({ subscription: subscription.name, maxMessages: 10 });
    assert.deepEqual(pulled.receivedMessages, [], 'the acknowledged message must not come back');
    await subscriber.close();
  });

  it('serves unary Pull and Acknowledge to the generated SubscriberClient', async () => {
    const [topic] = await pubsub.createTopic('pulled');
    const [subscription] = await topic.createSubscription('puller');
    await topic.publishMessage({ data: Buffer.from('first') });
    await topic.publishMessage({ data: Buffer.from('second'), attributes: { k: 'v' } });

    const subscriber = new v1.SubscriberClient({ servicePath: '127.0.0.1', port: server.port, sslCreds: grpc.credentials.createInsecure() });
    const [response] = await subscriber.pull({ subscription: subscription.name, maxMessages: 10 });
    const received = response.receivedMessages ?? [];
    assert.deepEqual(received.map((r) => Buffer.from(r.message!.data as Uint8Array).toString()), ['first', 'second']);
    assert.deepEqual(received[1]!.message!.attributes, { k: 'v' });
    await subscriber.acknowledge({ subscription: subscription.name, ackIds: received.map((r) => r.ackId!) });
    const [again] = await subscriber.pull({ subscription: subscription.name, maxMessages: 10 });
    assert.deepEqual(again.receivedMessages, []);
    await subscriber.close();
  });

  it('builds the binary-mode CloudEvent Eventarc pushes for messagePublished', async () => {
    const [topic] = await pubsub.createTopic('eventarc');
    await topic.publishMessage({ json: { status: 'failed' }, attributes: { schema: 'completion/v1' } });
    const message = server.published('eventarc')[0]!;

    const delivery = toPubSubCloudEvent(message);
    const event = HTTP.toEvent({ headers: delivery.headers, body: delivery.body });
    assert.ok(!Array.isArray(event));
    assert.equal(event.type, 'google.cloud.pubsub.topic.v1.messagePublished');
    assert.equal(event.source, `//pubsub.googleapis.com/projects/${PROJECT}/topics/eventarc`);
    assert.equal(event.id, message.messageId);
    assert.equal(event.specversion, '1.0');
    assert.equal(event.time, message.publishTime);
    const data = event.data as { message: Record<string, unknown>; subscription: string };
    assert.deepEqual(JSON.parse(Buffer.from(data.message.data as string, 'base64').toString()), { status: 'failed' });
    assert.deepEqual(data.message.attributes, { schema: 'completion/v1' });
    assert.equal(data.message.messageId, message.messageId);
    assert.equal(data.message.publishTime, message.publishTime);
    assert.match(data.subscription, new RegExp(`^projects/${PROJECT}/subscriptions/`));
    assert.throws(() => toPubSubCloudEvent(message, 'eventarc'), /full topic name/);
  });
});

describe('push delivery to a Functions Framework CloudEvent handler', () => {
  it('is accepted and decoded by the framework the functions run under', async () => {
    const server = await startPubSubServer();
    const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: server.host });
    const received: Array<CloudEventV1<unknown>> = [];
    functions.cloudEvent('pubsub-loopback-probe', async (event: CloudEventV1<unknown>) => void received.push(event));
    const http = getTestServer('pubsub-loopback-probe');
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const [topic] = await pubsub.createTopic('pushed');
      // Forward every publish as Eventarc would; the test awaits the POST before asserting.
      const deliveries: Array<Promise<Response>> = [];
      const stop = server.onPublish((message) => {
        const { headers, body } = toPubSubCloudEvent(message);
        const { port } = http.address() as { port: number };
        deliveries.push(fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body }));
      });
      await topic.publishMessage({ json: { session: 's1' } });
      stop();
      const responses = await Promise.all(deliveries);
      assert.deepEqual(responses.map((r) => r.ok), [true]);
      assert.equal(received.length, 1);
      const data = received[0]!.data as { message: { data: string; messageId: string } };
      assert.deepEqual(JSON.parse(Buffer.from(data.message.data, 'base64').toString()), { session: 's1' });
      assert.equal(data.message.messageId, server.published('pushed')[0]!.messageId);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await pubsub.close();
      await server.close();
    }
  });
});

describe('PUBSUB_EMULATOR_HOST', () => {
  it('is all the client needs to reach the loopback server', async () => {
    const server = await startPubSubServer();
    const previous = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = server.host;
    const pubsub = new PubSub({ projectId: PROJECT });
    try {
      const [topic] = await pubsub.createTopic('from-env');
      await topic.publishMessage({ data: Buffer.from('via env') });
      assert.equal(server.published('from-env')[0]?.data.toString(), 'via env');
    } finally {
      if (previous === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = previous;
      await pubsub.close();
      await server.close();
    }
  });
});
