import { z } from 'zod';
import type { Env } from './common.js';
import { parseEnvironment, requiredVariables, topicName, wholeNumber } from './common.js';

/**
 * What the job reads in the cloud on top of lib/config/job.ts's JOB_ENV_VARS: where to publish its completion message
 * and how many retries Cloud Run grants (it must equal the job's `max_retries`, so the last attempt knows it is the
 * last). The CLOUD_RUN_* variables are set by Cloud Run itself.
 */
export const CloudJobEnvSchema = z.object({
  COMPLETION_TOPIC: topicName,
  MAX_RETRIES: wholeNumber(0, 10).default(3),
});
export const CLOUD_JOB_ENV_VARS = Object.keys(CloudJobEnvSchema.shape) as Array<keyof z.output<typeof CloudJobEnvSchema>>;
export const CLOUD_JOB_REQUIRED_ENV_VARS = requiredVariables(CloudJobEnvSchema);

const PlatformEnvSchema = z.object({
  CLOUD_RUN_TASK_ATTEMPT: wholeNumber(0, 1000).default(0),
  CLOUD_RUN_TASK_INDEX: wholeNumber(0, 100_000).default(0),
  CLOUD_RUN_TASK_COUNT: wholeNumber(1, 100_000).default(1),
  CLOUD_RUN_EXECUTION: z.string().trim().optional(),
});
/** Set by Cloud Run on every task; never by a deployer. */
export const CLOUD_RUN_PLATFORM_VARS = Object.keys(PlatformEnvSchema.shape);

export interface CloudJobConfig {
  completionTopic: string;
  maxRetries: number;
  /** 0 on the first try. */
  attempt: number;
  taskIndex: number;
  taskCount: number;
  execution: string | undefined;
  /** Cloud Run will not try again after this attempt. */
  isLastAttempt: boolean;
}

export function parseCloudJobConfig(env: Env): CloudJobConfig {
  const schema = CloudJobEnvSchema.extend(PlatformEnvSchema.shape);
  const e = parseEnvironment(schema, env, 'Missing or invalid configuration');
  return {
    completionTopic: e.COMPLETION_TOPIC,
    maxRetries: e.MAX_RETRIES,
    attempt: e.CLOUD_RUN_TASK_ATTEMPT,
    taskIndex: e.CLOUD_RUN_TASK_INDEX,
    taskCount: e.CLOUD_RUN_TASK_COUNT,
    execution: e.CLOUD_RUN_EXECUTION,
    isLastAttempt: e.CLOUD_RUN_TASK_ATTEMPT >= e.MAX_RETRIES,
  };
}
