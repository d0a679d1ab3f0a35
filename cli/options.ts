import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/errors.js';
import type { Env } from '../lib/config/common.js';
import { DEFAULT_RECAP_CONTEXT_TOKENS, DEFAULT_RECAP_LOCATION, DEFAULT_VERTEX_RECAP_MODEL, parseJobConfig, type JobConfig } from '../lib/config/job.js';
import { bucketName } from '../lib/config/common.js';
import { sessionName } from '../lib/contracts/session.js';

/**
 * The command line mirrors the job's environment: each flag sets one variable, then the job's own config parser
 * validates the lot, so the CLI and Cloud Run accept exactly the same settings. Flags win over the environment.
 * This table is also the README's `flag | env | default | meaning` table (test/job/cli-options.test.ts keeps them
 * in step).
 */
export interface FlagSpec {
  flag: string;
  env: string;
  type: 'string' | 'boolean';
  default: string;
  meaning: string;
}

export const RUN_FLAGS: readonly FlagSpec[] = [
  { flag: '<input>', env: 'INPUT_PREFIX', type: 'string', default: '(required)', meaning: 'Session folder, or gs://BUCKET/sessions/NAME/' },
  { flag: '--out', env: 'OUTPUT_DIR', type: 'string', default: './output/<session>', meaning: 'Where outputs go: a folder or gs://… (Cloud Run: OUTPUT_BUCKET + OUTPUT_PREFIX)' },
  { flag: '--context', env: 'CONTEXT_GCS_URI', type: 'string', default: '<input>/context/context.yaml', meaning: 'context.yaml: speakers, voice samples, glossary, overrides' },
  { flag: '--model', env: 'WHISPER_MODEL_PATH', type: 'string', default: '', meaning: 'A ggml whisper model file (wins over the two below)' },
  { flag: '--model-dir', env: 'WHISPER_MODEL_DIR', type: 'string', default: './models', meaning: 'Folder holding ggml models (`make model` fills it)' },
  { flag: '--model-size', env: 'WHISPER_MODEL_SIZE', type: 'string', default: 'large-v3-turbo', meaning: 'Model name looked up in the model folder (large-v3-turbo, large-v3, medium…)' },
  { flag: '--speaker-model', env: 'SPEAKER_MODEL_PATH', type: 'string', default: '<model-dir>/speaker-embedding.onnx', meaning: 'ONNX speaker-embedding model (`make model` downloads CAM++ there); without one, a model-free embedder, weaker on real recordings' },
  { flag: '--lang', env: 'PRIMARY_LANG', type: 'string', default: 'fr', meaning: 'Main language of the session' },
  { flag: '--secondary-lang', env: 'SECONDARY_LANG', type: 'string', default: '', meaning: 'Second language spoken at the table (e.g. en)' },
  { flag: '--multilang', env: 'MULTILANG', type: 'boolean', default: 'false', meaning: 'Detect the language per chunk, among --lang and --secondary-lang' },
  { flag: '--max-chunk-minutes', env: 'MAX_CHUNK_MINUTES', type: 'string', default: '15', meaning: 'Longest piece of audio given to Whisper at once' },
  { flag: '--chunk-overlap-ms', env: 'CHUNK_OVERLAP_MS', type: 'string', default: '2000', meaning: 'Overlap between consecutive chunks' },
  { flag: '--vad-frame-ms', env: 'VAD_FRAME_MS', type: 'string', default: '32', meaning: 'Accepted for compatibility with the seed (30 or 32) and otherwise ignored: Silero VAD always works on 32 ms frames' },
  { flag: '--vad-threshold', env: 'VAD_THRESHOLD', type: 'string', default: '0.5', meaning: 'Speech probability above which audio counts as speech' },
  { flag: '--vad-faint-db', env: 'VAD_FAINT_DB', type: 'string', default: '25', meaning: "Speech this many dB under the session's voices is set aside as talk far from the table (a TV, the next room); raise it (e.g. 40) when a player sat far from the phone" },
  { flag: '--beam-size', env: 'BEAM_SIZE', type: 'string', default: '5', meaning: 'Whisper beam size (1 = greedy, faster)' },
  { flag: '--threads', env: 'THREADS', type: 'string', default: '(CPUs available)', meaning: 'Threads for Whisper' },
  { flag: '--jobs', env: 'JOBS', type: 'string', default: '1', meaning: 'Whisper processes at once, the threads split between them (several scale better than one on a workstation)' },
  { flag: '--resume', env: 'RESUME', type: 'boolean', default: 'false', meaning: 'Continue an interrupted run from the checkpoints it left in the output folder (work/)' },
  { flag: '--formats', env: 'OUTPUT_FORMATS', type: 'string', default: 'all', meaning: 'Comma-separated subset of md,txt,srt,vtt,json,rttm,html (html also writes audio.opus, which the page plays)' },
  { flag: '--min-speakers', env: 'MIN_SPEAKERS', type: 'string', default: '', meaning: 'At least this many speakers (hint)' },
  { flag: '--max-speakers', env: 'MAX_SPEAKERS', type: 'string', default: '', meaning: 'At most this many speakers (hint)' },
  { flag: '--mode', env: 'MODE', type: 'string', default: 'auto', meaning: 'mixed (the files are parts of one recording), multitrack (one track per speaker: Craig, Zoom, a mic each) or auto (multitrack for a Craig recording)' },
  { flag: '--track-offsets', env: 'TRACK_OFFSETS', type: 'string', default: '', meaning: 'Multitrack: where files start on the timeline, e.g. tascam.wav=1.5,zoom.m4a=0 (seconds)' },
  { flag: '--page-lang', env: 'EMAIL_LANG', type: 'string', default: 'fr', meaning: "Language of transcript.html's page, fr or en (in the cloud, the emails' language: email_lang)" },
  { flag: '--run-id', env: 'RUN_ID', type: 'string', default: '(date-time)', meaning: 'Name of this run' },
  { flag: '--recap', env: 'RECAP', type: 'string', default: 'off', meaning: 'Write recap.md, the session recap: off, vertex (Gemini on Vertex AI, with Application Default Credentials) or openai (any OpenAI-compatible server: Ollama, llama.cpp, vLLM)' },
  { flag: '--recap-model', env: 'RECAP_MODEL', type: 'string', default: `${DEFAULT_VERTEX_RECAP_MODEL} (vertex)`, meaning: "The recap's model; with openai, its name on the server (required)" },
  { flag: '--recap-url', env: 'RECAP_URL', type: 'string', default: '', meaning: 'openai: the server\'s base URL, e.g. http://127.0.0.1:11434/v1 (required); vertex: another endpoint than Google\'s' },
  { flag: '--recap-project', env: 'RECAP_PROJECT', type: 'string', default: '', meaning: 'vertex: the Google Cloud project whose Vertex AI writes the recap (required)' },
  { flag: '--recap-location', env: 'RECAP_LOCATION', type: 'string', default: DEFAULT_RECAP_LOCATION, meaning: 'vertex: the Vertex AI location the request goes to (a region, eu, or global)' },
  { flag: '--recap-context-tokens', env: 'RECAP_CONTEXT_TOKENS', type: 'string', default: `${DEFAULT_RECAP_CONTEXT_TOKENS.vertex} (vertex), ${DEFAULT_RECAP_CONTEXT_TOKENS.openai} (openai)`, meaning: "Input tokens the recap's model takes at once; a longer session is recapped by parts" },
];

export interface CliRun {
  command: 'run';
  config: JobConfig;
  session: string;
  /** Whether --context was given (or CONTEXT_GCS_URI set): then a missing file is worth a warning. */
  explicitContext: boolean;
  json: boolean;
  quiet: boolean;
}

export interface CliUpload {
  command: 'upload';
  dir: string;
  session: string;
  context: string | undefined;
  to: string[];
  /** The input bucket's name (no gs://). */
  bucket: string;
  /** `recap: true` in _READY. */
  recap: boolean;
  json: boolean;
  quiet: boolean;
}

export type CliCommand = CliRun | CliUpload | { command: 'help'; text: string } | { command: 'version' };

/** `upload <dir> --session S [--context FILE] [--to EMAIL[,EMAIL]] [--bucket B]`; the bucket defaults to INPUT_BUCKET. */
export function parseUpload(args: readonly string[], env: Env): CliUpload | { command: 'help'; text: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        session: { type: 'string' },
        context: { type: 'string' },
        to: { type: 'string', multiple: true },
        bucket: { type: 'string' },
        recap: { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ConfigError([(err as Error).message], 'Usage error');
  }
  if (parsed.values.help) return { command: 'help', text: uploadUsage() };
  const problems: string[] = [];
  if (parsed.positionals.length !== 1) problems.push(`expected one folder of recordings, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`);
  const session = parsed.values.session?.trim() ?? '';
  if (!session) problems.push('--session is required: the session\'s name, e.g. --session 2024-05-12');
  const bucket = (parsed.values.bucket ?? env.INPUT_BUCKET ?? '').trim().replace(/^gs:\/\//, '').replace(/\/+$/, '');
  if (!bucket) problems.push('--bucket (INPUT_BUCKET) is required: the input bucket, as `terraform output -raw input_bucket` prints it');
  else if (!bucketName.safeParse(bucket).success) problems.push(`--bucket (INPUT_BUCKET): "${bucket}" is not a bucket name`);
  if (problems.length > 0) throw new ConfigError(problems, 'Usage error');
  return {
    command: 'upload',
    dir: parsed.positionals[0]!,
    session,
    context: parsed.values.context,
    to: (parsed.values.to ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean),
    bucket,
    recap: Boolean(parsed.values.recap),
    json: Boolean(parsed.values.json),
    quiet: Boolean(parsed.values.quiet),
  };
}

export function uploadUsage(): string {
  return [
    'Usage: jdr-transcriber upload <folder> --session NAME [--context FILE] [--to EMAIL[,EMAIL…]] [--bucket BUCKET] [--recap]',
    '',
    'Sends a session to the input bucket: the recordings at the top of <folder>, context.yaml (default',
    '<folder>/context/context.yaml) with the voice samples it names, then sessions/NAME/_READY, which starts the run.',
    '',
    `  ${'--session NAME'.padEnd(28)} The session's name (letters, digits, . _ -), e.g. 2024-05-12`,
    `  ${'--context FILE'.padEnd(28)} A context.yaml elsewhere than <folder>/context/`,
    `  ${'--to EMAIL'.padEnd(28)} Who receives the transcript (repeat or separate with commas; default: the deployment's)`,
    `  ${'--bucket BUCKET'.padEnd(28)} The input bucket [INPUT_BUCKET]`,
    `  ${'--recap'.padEnd(28)} Ask for the session recap (recap.md, by Gemini on Vertex AI) for this session`,
    `  ${'--json'.padEnd(28)} Log one JSON object per line (default when not on a terminal)`,
    `  ${'--quiet, -q'.padEnd(28)} Only warnings and errors`,
  ].join('\n');
}

export function parseCli(argv: readonly string[], env: Env): CliCommand {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help', text: usage() };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'upload') return parseUpload(rest, env);
  if (command !== 'run') throw new ConfigError([`unknown command "${command}"; try \`jdr-transcriber --help\``], 'Usage error');

  const options = Object.fromEntries(
    RUN_FLAGS.filter((f) => f.flag.startsWith('--')).map((f) => [f.flag.slice(2), { type: f.type }] as const),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: { ...options, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new ConfigError([(err as Error).message], 'Usage error');
  }
  if (parsed.values.help) return { command: 'help', text: usage() };
  if (parsed.positionals.length > 1) throw new ConfigError([`expected one input, got ${parsed.positionals.join(' ')}`], 'Usage error');

  const fromFlags: Env = {};
  if (parsed.positionals[0]) fromFlags.INPUT_PREFIX = parsed.positionals[0];
  for (const f of RUN_FLAGS) {
    const value = (parsed.values as Record<string, string | boolean | undefined>)[f.flag.slice(2)];
    if (value !== undefined) fromFlags[f.env] = String(value);
  }
  const merged = { ...env, ...fromFlags };
  const config = parseJobConfig(merged, { describe: (v) => describeVariable(v) });
  const session = sessionName(config.input);
  if (!config.output) config.output = `output/${session}`;
  return {
    command: 'run',
    config,
    session,
    explicitContext: Boolean(merged.CONTEXT_GCS_URI),
    json: Boolean(parsed.values.json),
    quiet: Boolean(parsed.values.quiet),
  };
}

/** "INPUT_PREFIX" → "<input> (INPUT_PREFIX)", so messages name what the user typed. */
export function describeVariable(variable: string): string {
  const spec = RUN_FLAGS.find((f) => f.env === variable);
  return spec ? `${spec.flag} (${variable})` : variable;
}

export function usage(): string {
  const rows = RUN_FLAGS.filter((f) => f.flag.startsWith('--')).map(
    (f) => `  ${(f.flag + (f.type === 'string' ? ' VALUE' : '')).padEnd(28)} ${f.meaning} [${f.env}${f.default ? `, default ${f.default}` : ''}]`,
  );
  return [
    'Usage: jdr-transcriber run <folder | gs://bucket/sessions/NAME/> [options]',
    '',
    'Transcribes every recording of a session (parts in name order) and writes transcript.{md,txt,srt,vtt,json,rttm,html},',
    'audio.opus (which transcript.html plays), report.{md,json} and <session>.zip (and recap.md with --recap).',
    '',
    'Options (each also read from the environment variable in brackets; flags win):',
    ...rows,
    `  ${'--json'.padEnd(28)} Log one JSON object per line (default when not on a terminal)`,
    `  ${'--quiet, -q'.padEnd(28)} Only warnings and errors`,
    '',
    'Other commands: jdr-transcriber upload --help (send a session to the cloud pipeline), --version.',
  ].join('\n');
}
