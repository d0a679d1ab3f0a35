/**
 * The push delivery Eventarc makes to a Cloud Function for `google.cloud.pubsub.topic.v1.messagePublished`: a
 * binary-mode CloudEvent (ce-* headers) whose body is MessagePublishedData (googleapis/google-cloudevents,
 * google/events/cloud/pubsub/v1/data.proto). Tests forward messages caught by the loopback Pub/Sub server with it.
 */
import type { PublishedMessage } from './pubsub-server.js';

export interface PubSubCloudEvent {
  headers: Record<string, string>;
  body: string;
}

export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/**
 * Eventarc writes messageId/publishTime twice, camelCase and snake_case (google-cloudevents' "duplicatedFields"
 * sample); attributes appear only when the message has some, so a consumer must cope with their absence.
 */
export function toPubSubCloudEvent(message: PublishedMessage, topic = message.topic, subscription?: string): PubSubCloudEvent {
  const project = /^projects\/([^/]+)\/topics\/[^/]+$/.exec(topic)?.[1];
  if (!project) throw new Error(`toPubSubCloudEvent needs a full topic name (projects/P/topics/T), got "${topic}"`);
  const body = {
    message: {
      '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
      data: message.data.toString('base64'),
      ...(Object.keys(message.attributes).length > 0 ? { attributes: message.attributes } : {}),
      messageId: message.messageId,
      message_id: message.messageId,
      publishTime: message.publishTime,
      publish_time: message.publishTime,
    },
    subscription: subscription ?? `projects/${project}/subscriptions/eventarc-loopback-sub`,
  };
  return {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'ce-id': message.messageId,
      'ce-source': `//pubsub.googleapis.com/${topic}`,
      'ce-type': MESSAGE_PUBLISHED,
      'ce-specversion': '1.0',
      'ce-time': message.publishTime,
    },
    body: JSON.stringify(body),
  };
}
