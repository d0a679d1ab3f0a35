/** The trigger's configuration the function tests share: buckets `in`/`out`, the group mj@club.example. */
import type { TriggerConfig } from '../../lib/config/trigger.js';

export const TEST_TRIGGER_CONFIG: TriggerConfig = {
  jobName: 'projects/p/locations/r/jobs/transcribe',
  outputBucket: 'out',
  completionTopic: 'projects/p/topics/t',
  defaultRecipients: ['mj@club.example'],
  allowedRecipients: ['@club.example'],
  inputBucket: 'in',
  runApi: { endpoint: undefined, transport: 'grpc' },
  maxParallelTasks: 8,
};
