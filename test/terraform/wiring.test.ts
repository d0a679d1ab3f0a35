/**
 * Terraform's wiring against what the code reads: every environment variable of the job, the trigger and the mailer
 * is set by Terraform, by the image or by the trigger's per-session overrides, or is knowingly left to its default;
 * Terraform sets nothing the code does not read; the values Terraform derives from its defaults pass the code's own
 * parsers; function entry points and event types match the code.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { Storage } from '@google-cloud/storage';
import { DEFAULT_VERTEX_RECAP_MODEL, JOB_ENV_VARS, JobEnvSchema, parseJobConfig, RECAP_BACKENDS } from '../../lib/config/job.js';
import { CLOUD_JOB_ENV_VARS, CLOUD_JOB_REQUIRED_ENV_VARS, parseCloudJobConfig } from '../../lib/config/cloud-job.js';
import { MAILER_ENV_VARS, MAILER_REQUIRED_ENV_VARS, parseMailerConfig } from '../../lib/config/mailer.js';
import { parseTriggerConfig, TRIGGER_ENV_VARS, TRIGGER_REQUIRED_ENV_VARS } from '../../lib/config/trigger.js';
import { parseManifest } from '../../lib/contracts/manifest.js';
import { createLogger } from '../../lib/log.js';
import { GcsStore } from '../../lib/storage/index.js';
import { MESSAGE_PUBLISHED } from '../../functions/mailer-core.js';
import { jobEnv, STORAGE_FINALIZED } from '../../functions/trigger-core.js';
import { dockerfileEnv, parseDockerfile } from './dockerfile.js';
import { block, blocksIncludingDynamic, evaluate, loadTerraform, readText, reference, resource, variableDefault, type Body, type Terraform } from './hcl.js';

/** Variables deliberately not set in the cloud, and why. Each must have a default or be optional. */
const LEFT_TO_DEFAULTS = {
  job: {
    OUTPUT_DIR: 'local runs only; the cloud writes to OUTPUT_BUCKET + OUTPUT_PREFIX',
    WHISPER_MODEL_PATH: 'the image uses WHISPER_MODEL_DIR + WHISPER_MODEL_SIZE',
    MAX_CHUNK_MINUTES: 'the default (15) suits every model',
    CHUNK_OVERLAP_MS: 'default 2000',
    VAD_FRAME_MS: 'Silero works on 32 ms frames only',
    VAD_THRESHOLD: 'default 0.5',
    VAD_FAINT_DB: 'default 25 dB; a session sets it with vad_faint_db in _READY',
    BEAM_SIZE: 'default 5',
    OUTPUT_FORMATS: 'default: all formats',
    JOBS: 'default 1: a task runs one whisper-cli on all its vCPUs; parallelism comes from the tasks',
    RESUME: 'local runs only; a cloud task always resumes from the checkpoints in work/',
    RECAP_URL: 'tests and proxies only; the job calls Vertex AI at LOCATION-aiplatform.googleapis.com',
    RECAP_CONTEXT_TOKENS: "default: Gemini Flash's window",
    RECAP_API_KEY: 'OpenAI-compatible servers only (local runs); Vertex AI uses the job\'s service account',
    RECAP_RETRIES: 'default 3',
    RECAP_RETRY_DELAY_MS: 'default 2 s, doubling',
  },
  trigger: {
    RUN_API_ENDPOINT: 'emulators and tests only; Cloud Functions use run.googleapis.com',
    RUN_API_TRANSPORT: 'gRPC, the client default',
  },
  mailer: {
    SMTP_TLS: 'derived from SMTP_PORT (465: implicit TLS, otherwise STARTTLS)',
  },
} as const;

/** Variables engines read directly (not through a config schema); the image sets them. */
const ENGINE_VARS = ['WHISPER_CLI', 'NODE_ENV'];

let tf: Terraform;
let jobTf: Body;
let trigger: Body;
let mailer: Body;
let overrides: Record<string, string>;
let imageEnv: Record<string, string>;

before(async () => {
  tf = await loadTerraform();
  jobTf = resource(tf, 'google_cloud_run_v2_job', 'transcribe');
  trigger = resource(tf, 'google_cloudfunctions2_function', 'trigger');
  mailer = resource(tf, 'google_cloudfunctions2_function', 'mailer');
  imageEnv = dockerfileEnv(parseDockerfile(readText('Dockerfile')).at(-1)!);
  overrides = maximalOverrides();
});

/** What the trigger sends for a manifest using every field: the override names come from the code, not a list. */
function maximalOverrides(): Record<string, string> {
  const { manifest } = parseManifest('languages: [fr, en]\nmodel: large-v3\nmin_speakers: 2\nmax_speakers: 6\ncontext: context/context.yaml\nrecipients: [a@example.org]\nmode: multitrack\nfiles: [{ name: a.m4a, offset: 1.5 }]\nrecap: true\n');
  const input = new GcsStore(new Storage({ projectId: 'unused' }), 'in-bucket', 'sessions/S');
  const quiet = createLogger({ write: () => undefined });
  return jobEnv({ manifest, recipients: ['a@example.org'], contextKey: 'context/context.yaml', audio: ['a.m4a'], warnings: [] }, { input, outputBucket: 'out-bucket', session: 'S', runId: 'r1' }, quiet);
}

function jobContainer(): Body {
  return block(block(block(jobTf, 'template'), 'template'), 'containers');
}

/** Names set on the job's container: static env blocks and `dynamic "env"` over a local map. */
function jobTerraformEnv(): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const entry of blocksIncludingDynamic(jobContainer(), 'env')) {
    if (entry.name === '${env.key}') Object.assign(env, localMap(String(dynamicForEach(jobContainer(), 'env'))));
    else env[String(entry.name)] = entry.value;
  }
  return env;
}

function dynamicForEach(body: Body, name: string): unknown {
  const dynamic = body.dynamic as Body;
  return (dynamic[name] as Body[])[0]!.for_each;
}

function localMap(expression: string): Record<string, unknown> {
  const name = /^\$\{local\.(\w+)\}$/.exec(expression)?.[1];
  assert.ok(name, `expected \${local.X}, found ${expression}`);
  const map = tf.locals[name] as Record<string, unknown> | undefined;
  assert.ok(map && typeof map === 'object', `terraform: no map local.${name}`);
  return map;
}

function functionEnv(fn: Body): Record<string, unknown> {
  const service = block(fn, 'service_config');
  return localMap(String(service.environment_variables));
}

function secretEnv(fn: Body): Body[] {
  return blocksIncludingDynamic(block(fn, 'service_config'), 'secret_environment_variables');
}

function checkCoverage(what: string, read: readonly string[], required: readonly string[], set: Set<string>, defaults: Record<string, string>): void {
  const missing = read.filter((v) => !set.has(v) && !(v in defaults));
  assert.deepEqual(missing, [], `${what}: read by the code but set nowhere (Terraform, image or overrides) and not listed in LEFT_TO_DEFAULTS`);
  assert.deepEqual(
    required.filter((v) => !set.has(v)),
    [],
    `${what}: required variables must be set`,
  );
  const stale = Object.keys(defaults).filter((v) => !read.includes(v) || set.has(v));
  assert.deepEqual(stale, [], `${what}: LEFT_TO_DEFAULTS lists variables that are set or no longer read`);
}

describe('the job', () => {
  test('every variable it reads is set by Terraform, the image or the trigger, or has a default on purpose', () => {
    const set = new Set([...Object.keys(jobTerraformEnv()), ...Object.keys(imageEnv), ...Object.keys(overrides)]);
    const read = [...JOB_ENV_VARS, ...CLOUD_JOB_ENV_VARS];
    // Cloud runs require OUTPUT_BUCKET (parseJobConfig with requireOutputBucket) on top of each schema's own.
    const required = ['INPUT_PREFIX', 'OUTPUT_BUCKET', ...CLOUD_JOB_REQUIRED_ENV_VARS];
    checkCoverage('job', read, required, set, LEFT_TO_DEFAULTS.job);
    for (const v of Object.keys(LEFT_TO_DEFAULTS.job)) {
      assert.ok(JobEnvSchema.shape[v as keyof typeof JobEnvSchema.shape].safeParse(undefined).success, `${v} is left to its default but has none`);
    }
  });

  test('Terraform and the image set nothing the job does not read', () => {
    const known = new Set<string>([...JOB_ENV_VARS, ...CLOUD_JOB_ENV_VARS, ...ENGINE_VARS]);
    const unknown = [...Object.keys(jobTerraformEnv()), ...Object.keys(imageEnv)].filter((v) => !known.has(v));
    assert.deepEqual(unknown, [], 'unknown variable names (typo, or a variable the code no longer reads)');
    for (const engineVar of ['WHISPER_CLI']) assert.match(readText('job/engines/whisper-model.ts'), new RegExp(`env\\.${engineVar}\\b`));
  });

  test('the per-session overrides are the ones the issue lists', () => {
    for (const v of ['INPUT_PREFIX', 'OUTPUT_BUCKET', 'OUTPUT_PREFIX', 'CONTEXT_GCS_URI', 'EMAIL_TO', 'RUN_ID', 'PRIMARY_LANG', 'SECONDARY_LANG', 'MULTILANG', 'WHISPER_MODEL_SIZE', 'MIN_SPEAKERS', 'MAX_SPEAKERS']) {
      assert.ok(v in overrides, `${v} missing from the trigger's overrides`);
    }
  });

  test('retries, threads and the model follow the variables that size the job', () => {
    const env = jobTerraformEnv();
    const template = block(block(jobTf, 'template'), 'template');
    assert.equal(template.max_retries, '${var.max_retries}');
    assert.match(String(env.MAX_RETRIES), /var\.max_retries/, 'MAX_RETRIES must equal max_retries: only the last attempt publishes a failure');
    assert.equal(block(jobContainer(), 'resources').limits.cpu, '${var.job_cpu}');
    assert.match(String(env.THREADS), /var\.job_cpu/, 'whisper threads must follow the vCPUs granted');
    assert.match(String(env.WHISPER_MODEL_SIZE), /var\.whisper_model/);
    assert.equal(template.timeout, '${var.task_timeout}');
    assert.equal(jobTf.deletion_protection, '${var.deletion_protection}');
    // Parallel tasks: the job's template allows max_parallel_tasks, and the trigger asks for at most that many.
    assert.equal(block(jobTf, 'template').task_count, '${var.max_parallel_tasks}');
    assert.equal(block(jobTf, 'template').parallelism, '${var.max_parallel_tasks}');
    assert.match(String(functionEnv(trigger).MAX_PARALLEL_TASKS), /var\.max_parallel_tasks/);
  });
});

describe('the recap', () => {
  test('the job asks Vertex AI for it as the deployment says, in the region unless recap_location says otherwise', () => {
    const env = jobTerraformEnv();
    assert.equal(env.RECAP, '${var.recap}');
    assert.equal(env.RECAP_MODEL, '${var.recap_model}');
    assert.equal(env.RECAP_PROJECT, '${var.project_id}');
    assert.equal(env.RECAP_LOCATION, '${coalesce(var.recap_location, var.region)}');
    assert.equal(variableDefault(tf, 'recap'), 'off', 'off unless the group asks for it');
    assert.equal(variableDefault(tf, 'recap_location'), '');
    assert.equal(variableDefault(tf, 'recap_model'), DEFAULT_VERTEX_RECAP_MODEL, 'the same default model locally and in the cloud');
    const allowed = /contains\(\[([^\]]*)\], var\.recap\)/.exec(String((tf.variables.get('recap')!.validation as Body[])[0]!.condition))?.[1];
    assert.deepEqual(allowed?.split(',').map((v) => v.trim().replace(/"/g, '')), RECAP_BACKENDS.filter((b) => b !== 'openai'), 'the cloud offers Vertex AI, not a local server');
  });

  test('the Vertex AI API is enabled', () => {
    assert.match(readText('terraform/apis.tf'), /^\s*"aiplatform\.googleapis\.com",/m);
  });
});

describe('the functions', () => {
  test('the trigger gets every variable it reads', () => {
    const set = new Set(Object.keys(functionEnv(trigger)));
    checkCoverage('trigger', TRIGGER_ENV_VARS, TRIGGER_REQUIRED_ENV_VARS, set, LEFT_TO_DEFAULTS.trigger);
    assert.deepEqual([...set].filter((v) => !(TRIGGER_ENV_VARS as readonly string[]).includes(v)), [], 'unknown variables on the trigger');
  });

  test('the mailer gets every variable it reads, the password from Secret Manager', () => {
    const secrets = secretEnv(mailer);
    assert.deepEqual(
      secrets.map((s) => s.key),
      ['SMTP_PASSWORD'],
    );
    assert.equal(secrets[0]!.version, 'latest');
    const source = (mailer.service_config[0].dynamic as Body).secret_environment_variables[0].for_each as string;
    assert.match(source, /google_secret_manager_secret\.smtp_password\.secret_id/);
    const plain = Object.keys(functionEnv(mailer));
    assert.ok(!plain.includes('SMTP_PASSWORD'), 'the password must never be a plain environment variable');
    const set = new Set([...plain, 'SMTP_PASSWORD']);
    checkCoverage('mailer', MAILER_ENV_VARS, MAILER_REQUIRED_ENV_VARS, set, LEFT_TO_DEFAULTS.mailer);
    assert.deepEqual(plain.filter((v) => !(MAILER_ENV_VARS as readonly string[]).includes(v)), [], 'unknown variables on the mailer');
  });

  test('entry points are the names functions/index.ts registers', () => {
    const registered = [...readText('functions/index.ts').matchAll(/cloudEvent\(\s*'(\w+)'/g)].map((m) => m[1]).sort();
    const entries = [trigger, mailer].map((fn) => block(fn, 'build_config').entry_point).sort();
    assert.deepEqual(entries, registered);
  });

  test('event types and sources match the code and the resources', () => {
    const storageTrigger = block(trigger, 'event_trigger');
    assert.equal(storageTrigger.event_type, STORAGE_FINALIZED);
    assert.equal(block(storageTrigger, 'event_filters').attribute, 'bucket');
    assert.deepEqual(reference(block(storageTrigger, 'event_filters').value), ['google_storage_bucket', 'input']);
    const pubsubTrigger = block(mailer, 'event_trigger');
    assert.equal(pubsubTrigger.event_type, MESSAGE_PUBLISHED);
    assert.deepEqual(reference(pubsubTrigger.pubsub_topic), ['google_pubsub_topic', 'completions']);
    for (const fn of [trigger, mailer]) {
      // A failed delivery is retried; both functions are idempotent (claims with ifGenerationMatch=0).
      assert.equal(block(fn, 'event_trigger').retry_policy, 'RETRY_POLICY_RETRY');
      // The trigger identity is the function's own account, which holds run.invoker on it.
      assert.equal(block(fn, 'event_trigger').service_account_email, block(fn, 'service_config').service_account_email);
    }
  });

  test('the job, the topic and the buckets the functions name are the ones Terraform creates', () => {
    const t = functionEnv(trigger);
    assert.deepEqual(reference(t.JOB_NAME), ['google_cloud_run_v2_job', 'transcribe']);
    assert.deepEqual(reference(t.INPUT_BUCKET), ['google_storage_bucket', 'input']);
    for (const env of [t, functionEnv(mailer), jobTerraformEnv()]) assert.deepEqual(reference(env.OUTPUT_BUCKET), ['google_storage_bucket', 'output']);
    for (const env of [t, jobTerraformEnv()]) assert.deepEqual(reference(env.COMPLETION_TOPIC), ['google_pubsub_topic', 'completions']);
  });
});

describe('values from the defaults and the example tfvars', () => {
  test('pass the parsers of the job, the trigger and the mailer', async () => {
    const example = await parse('terraform.tfvars.example', readText('terraform/terraform.tfvars.example'));
    const vars: Record<string, unknown> = Object.fromEntries([...tf.variables.keys()].map((name) => [name, tf.variables.get(name)!.default]));
    Object.assign(vars, example);
    const project = String(vars.project_id);
    const region = String(vars.region);
    const refs: Record<string, string> = {
      'google_storage_bucket.input.name': `${project}-jdr-input`,
      'google_storage_bucket.output.name': `${project}-jdr-output`,
      'google_pubsub_topic.completions.id': `projects/${project}/topics/${resource(tf, 'google_pubsub_topic', 'completions').name}`,
      'google_cloud_run_v2_job.transcribe.id': `projects/${project}/locations/${region}/jobs/${jobTf.name}`,
    };
    const evaluated = (map: Record<string, unknown>, conditional: string[]) => {
      const out: Record<string, string> = {};
      const skipped: string[] = [];
      for (const [k, v] of Object.entries(map)) {
        const value = evaluate(v, vars, refs);
        if (value === undefined) skipped.push(k);
        else out[k] = value;
      }
      assert.deepEqual(skipped.sort(), conditional.sort(), 'expressions this test cannot evaluate changed: extend evaluate() or the list');
      return out;
    };
    const job = { ...evaluated(jobTerraformEnv(), ['SECONDARY_LANG', 'MULTILANG', 'RECAP_LOCATION']), ...imageEnv, ...overrides };
    assert.doesNotThrow(() => parseJobConfig(job, { requireOutputBucket: true }));
    assert.equal(parseCloudJobConfig(job).maxRetries, vars.max_retries);
    assert.doesNotThrow(() => parseTriggerConfig(evaluated(functionEnv(trigger), [])));
    const mailerEnv = { ...evaluated(functionEnv(mailer), []), SMTP_PASSWORD: 'app-password' };
    const config = parseMailerConfig(mailerEnv);
    assert.equal(config.signedUrlSeconds, 7 * 86400);
  });
});
