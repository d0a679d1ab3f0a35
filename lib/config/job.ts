import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { languageCode } from '../contracts/language.js';
import { RUN_ID_PATTERN } from '../contracts/session.js';
import { bucketName, decimal, emailList, parseEnvironment, wholeNumber, type Env } from './common.js';
import { EMAIL_LANGS, type EmailLang } from './mailer.js';


/**
 * Configuration of the transcription job, from the environment (Cloud Run) or from CLI flags mapped onto the same
 * variable names (so both paths share one validation). `parseJobConfig(env)` reports every problem at once.
 * Variable names are the seed's.
 */
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

const location = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".."');

export const OUTPUT_FORMATS = ['md', 'txt', 'srt', 'vtt', 'json', 'rttm', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const formats = z
  .string()
  .transform((v) =>
    v.trim() === '' || v.trim() === 'all'
      ? [...OUTPUT_FORMATS]
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
  )
  .pipe(z.array(z.enum(OUTPUT_FORMATS, `must be "all" or a comma-separated list of ${OUTPUT_FORMATS.join(', ')}`)));

export const JOB_MODES = ['auto', 'mixed', 'multitrack'] as const;
export type JobMode = (typeof JOB_MODES)[number];

/** Speech this many dB under the session's speech is set aside as talk far from the table (job/stages/vad.ts). */
export const DEFAULT_FAINT_DB = 25;

/** Who writes the session recap: nobody (the default), Gemini on Vertex AI, or any OpenAI-compatible server. */
export const RECAP_BACKENDS = ['off', 'vertex', 'openai'] as const;
export type RecapBackend = (typeof RECAP_BACKENDS)[number];
/** A current Gemini Flash model on Vertex AI (GA since May 2026; Google keeps it until May 2027 at least). */
export const DEFAULT_VERTEX_RECAP_MODEL = 'gemini-3.5-flash';
export const DEFAULT_RECAP_LOCATION = 'europe-west1';
/** Tries per recap request, and the first wait between them (doubling): RECAP_RETRIES, RECAP_RETRY_DELAY_MS. */
export const DEFAULT_RECAP_RETRY = { attempts: 3, delayMs: 2000 } as const;
/** Input tokens a model takes at once: Gemini Flash's window, and a size every local server offers. */
export const DEFAULT_RECAP_CONTEXT_TOKENS = { vertex: 1_048_576, openai: 8192 } as const;

/** An http(s) URL: the OpenAI-compatible server's base (…/v1), or another Vertex AI endpoint (tests, a proxy). */
const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials, such as http://127.0.0.1:11434/v1');

/** At most this many files get an offset; each at most a day. */
const MAX_TRACK_OFFSETS = 2000;
const MAX_OFFSET_SECONDS = 86_400;

/**
 * Where each file of a multitrack session starts on the timeline, seconds: `{"tascam.wav": 1.5}` (what the trigger
 * writes from _READY's files[].offset) or `tascam.wav=1.5,zoom.m4a=0` (handier on a command line).
 */
const trackOffsets = z
  .string()
  .trim()
  .transform((v, ctx) => {
    let entries: Array<[string, unknown]>;
    if (v.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(v);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        entries = Object.entries(parsed);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of file name to seconds, or name=seconds pairs separated by commas' });
        return z.NEVER;
      }
    } else {
      entries = v
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => {
          const at = pair.lastIndexOf('=');
          return at > 0 ? [pair.slice(0, at).trim(), /^\d+(\.\d+)?$/.test(pair.slice(at + 1).trim()) ? Number(pair.slice(at + 1)) : pair.slice(at + 1)] : [pair, undefined];
        });
    }
    if (entries.length > MAX_TRACK_OFFSETS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_TRACK_OFFSETS} files (found ${entries.length})` });
      return z.NEVER;
    }
    for (const [file, seconds] of entries) {
      if (typeof seconds !== 'number' || !(seconds >= 0) || seconds > MAX_OFFSET_SECONDS) {
        ctx.addIssue({ code: 'custom', message: `${file}: the offset must be a number of seconds from 0 to ${MAX_OFFSET_SECONDS}` });
        return z.NEVER;
      }
    }
    // fromEntries defines own properties: a file named "__proto__" is just a name.
    return Object.fromEntries(entries) as Record<string, number>;
  });

/** Every variable the job reads, with its schema. Optional ones have defaults applied below. */
export const JobEnvSchema = z.object({
  INPUT_PREFIX: location,
  OUTPUT_BUCKET: bucketName.optional(),
  OUTPUT_PREFIX: z.string().trim().optional(),
  /** Local runs: where outputs go (a directory or gs:// URI). Cloud runs use OUTPUT_BUCKET + OUTPUT_PREFIX. */
  OUTPUT_DIR: location.optional(),
  CONTEXT_GCS_URI: location.optional(),
  EMAIL_TO: emailList.optional(),
  RUN_ID: z
    .string()
    .trim()
    .regex(RUN_ID_PATTERN, 'must be letters, digits, ".", "_" or "-" (at most 100)')
    .optional(),
  WHISPER_MODEL_PATH: z.string().trim().min(1).optional(),
  WHISPER_MODEL_DIR: z.string().trim().min(1).default('models'),
  WHISPER_MODEL_SIZE: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'must be a model name such as large-v3-turbo')
    .default('large-v3-turbo'),
  SPEAKER_MODEL_PATH: z.string().trim().min(1).optional(),
  PRIMARY_LANG: languageCode.default('fr'),
  SECONDARY_LANG: languageCode.optional(),
  MULTILANG: bool.default(false),
  MAX_CHUNK_MINUTES: decimal(1, 30).default(15),
  CHUNK_OVERLAP_MS: wholeNumber(0, 30_000).default(2000),
  // Silero VAD works on 512-sample (32 ms) frames at 16 kHz; the seed's 30 ms is accepted and means the same.
  VAD_FRAME_MS: z
    .string()
    .trim()
    .refine((v) => v === '30' || v === '32', 'Silero VAD works on 32 ms frames at 16 kHz: set 32 (or leave it unset)')
    .transform(() => 32)
    .default(32),
  VAD_THRESHOLD: decimal(0.05, 0.95).default(0.5),
  VAD_FAINT_DB: decimal(10, 120).default(DEFAULT_FAINT_DB),
  BEAM_SIZE: wholeNumber(1, 16).default(5),
  THREADS: wholeNumber(1, 256).optional(),
  OUTPUT_FORMATS: formats.default([...OUTPUT_FORMATS]),
  MIN_SPEAKERS: wholeNumber(1, 20).optional(),
  MAX_SPEAKERS: wholeNumber(1, 20).optional(),
  MODE: z.string().trim().toLowerCase().pipe(z.enum(JOB_MODES, 'must be auto, mixed or multitrack')).default('auto'),
  TRACK_OFFSETS: trackOffsets.optional(),
  JOBS: wholeNumber(1, 64).default(1),
  RESUME: bool.default(false),
  RECAP: z.string().trim().toLowerCase().pipe(z.enum(RECAP_BACKENDS, 'must be off, vertex or openai')).default('off'),
  RECAP_MODEL: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/, 'must be a model name such as gemini-3.5-flash or llama3.1:8b')
    .optional(),
  RECAP_URL: httpUrl.optional(),
  RECAP_PROJECT: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id (6 to 30 lower-case letters, digits or dashes)')
    .optional(),
  RECAP_LOCATION: z
    .string()
    .trim()
    .regex(/^[a-z]+(-[a-z]+[0-9]+)?$/, 'must be a Vertex AI location such as europe-west1, eu or global')
    .default(DEFAULT_RECAP_LOCATION),
  RECAP_CONTEXT_TOKENS: wholeNumber(2048, 10_000_000).optional(),
  /** OpenAI-compatible servers that want a key; environment only, so that it stays out of shell history. */
  RECAP_API_KEY: z.string().trim().max(500).optional(),
  /** Tries per request (transient failures: quota, network, a malformed answer), and the first wait between them. */
  RECAP_RETRIES: wholeNumber(1, 10).default(DEFAULT_RECAP_RETRY.attempts),
  RECAP_RETRY_DELAY_MS: wholeNumber(0, 120_000).default(DEFAULT_RECAP_RETRY.delayMs),
  /** The language of transcript.html's page: the emails' (the mailer reads the same variable). */
  EMAIL_LANG: z.string().trim().toLowerCase().pipe(z.enum(EMAIL_LANGS, 'must be fr or en')).default('fr'),
});

export type JobEnv = z.output<typeof JobEnvSchema>;
export const JOB_ENV_VARS = Object.keys(JobEnvSchema.shape) as Array<keyof JobEnv>;

export interface JobConfig {
  input: string;
  output: string | undefined;
  contextUri: string | undefined;
  emailTo: string[];
  runId: string | undefined;
  model: { path: string | undefined; dir: string; size: string };
  speakerModelPath: string | undefined;
  language: { primary: string; secondary: string | undefined; multi: boolean };
  chunk: { maxSeconds: number; overlapSeconds: number };
  vad: { frameMs: number; threshold: number; faintDb: number };
  beamSize: number;
  threads: number;
  formats: OutputFormat[];
  speakers: { min: number | undefined; max: number | undefined };
  /** mixed: the files are consecutive parts of one recording; multitrack: one track per speaker; auto: decided from the files. */
  mode: JobMode;
  /** Multitrack: where a file starts on the timeline, seconds, by file name. */
  trackOffsets: Record<string, number>;
  /** Whisper processes at once, the threads split between them. */
  jobs: number;
  /** Local runs: continue from the checkpoints an interrupted run left in the output folder. */
  resume: boolean;
  recap: RecapConfig;
  /** The language of transcript.html's page (the emails' language in the cloud). */
  pageLang: EmailLang;
}

export interface RecapConfig {
  backend: RecapBackend;
  /** The model's name (Vertex AI: a Gemini model; openai: the server's name for it). */
  model: string;
  /** openai: the server's base URL; vertex: another endpoint than Google's (tests, a proxy), else undefined. */
  url: string | undefined;
  /** vertex: the project billed, and where the model runs. */
  project: string | undefined;
  location: string;
  /** Input tokens the model takes at once; a longer session is summarised by parts. */
  contextTokens: number;
  apiKey: string | undefined;
  retry: { attempts: number; delayMs: number };
}

export interface ParseOptions {
  /** Cloud runs must name their output bucket. */
  requireOutputBucket?: boolean;
  /** Maps a variable name to how the user sets it (e.g. a CLI flag), for messages. */
  describe?: (variable: string) => string;
}

export function parseJobConfig(env: Env, options: ParseOptions = {}): JobConfig {
  const describe = options.describe ?? ((v: string) => v);
  // Cloud runs must name their output bucket: the same schema with OUTPUT_BUCKET required.
  const schema = options.requireOutputBucket ? JobEnvSchema.extend({ OUTPUT_BUCKET: bucketName }) : JobEnvSchema;
  const e: JobEnv = parseEnvironment(
    schema,
    env,
    'Missing or invalid configuration',
    (d) => {
      const problems: string[] = [];
      if (d.MIN_SPEAKERS && d.MAX_SPEAKERS && d.MIN_SPEAKERS > d.MAX_SPEAKERS) problems.push(`${describe('MIN_SPEAKERS')}: must not exceed ${describe('MAX_SPEAKERS')}`);
      if (d.CHUNK_OVERLAP_MS / 1000 >= (d.MAX_CHUNK_MINUTES * 60) / 2) problems.push(`${describe('CHUNK_OVERLAP_MS')}: must be shorter than half a chunk`);
      if (d.RECAP === 'openai') {
        if (!d.RECAP_URL) problems.push(`${describe('RECAP_URL')}: is required with ${describe('RECAP')} openai: the server's base URL, e.g. http://127.0.0.1:11434/v1 for Ollama`);
        if (!d.RECAP_MODEL) problems.push(`${describe('RECAP_MODEL')}: is required with ${describe('RECAP')} openai: the model's name on that server, e.g. llama3.1:8b`);
      }
      if (d.RECAP === 'vertex' && !d.RECAP_PROJECT) problems.push(`${describe('RECAP_PROJECT')}: is required with ${describe('RECAP')} vertex: the Google Cloud project whose Vertex AI writes the recap`);
      return problems;
    },
    describe,
  );
  const output = e.OUTPUT_DIR ?? (e.OUTPUT_BUCKET ? `gs://${e.OUTPUT_BUCKET}/${(e.OUTPUT_PREFIX ?? '').replace(/^\/+/, '')}` : undefined);
  return {
    input: e.INPUT_PREFIX,
    output,
    contextUri: e.CONTEXT_GCS_URI,
    emailTo: e.EMAIL_TO ?? [],
    runId: e.RUN_ID,
    model: { path: e.WHISPER_MODEL_PATH, dir: e.WHISPER_MODEL_DIR, size: e.WHISPER_MODEL_SIZE },
    speakerModelPath: e.SPEAKER_MODEL_PATH,
    language: { primary: e.PRIMARY_LANG, secondary: e.SECONDARY_LANG, multi: e.MULTILANG },
    chunk: { maxSeconds: e.MAX_CHUNK_MINUTES * 60, overlapSeconds: e.CHUNK_OVERLAP_MS / 1000 },
    vad: { frameMs: e.VAD_FRAME_MS, threshold: e.VAD_THRESHOLD, faintDb: e.VAD_FAINT_DB },
    beamSize: e.BEAM_SIZE,
    threads: e.THREADS ?? availableParallelism(),
    formats: e.OUTPUT_FORMATS,
    speakers: { min: e.MIN_SPEAKERS, max: e.MAX_SPEAKERS },
    mode: e.MODE,
    trackOffsets: e.TRACK_OFFSETS ?? {},
    jobs: e.JOBS,
    resume: e.RESUME,
    recap: {
      backend: e.RECAP,
      model: e.RECAP_MODEL ?? (e.RECAP === 'openai' ? '' : DEFAULT_VERTEX_RECAP_MODEL),
      url: e.RECAP_URL,
      project: e.RECAP_PROJECT,
      location: e.RECAP_LOCATION,
      contextTokens: e.RECAP_CONTEXT_TOKENS ?? DEFAULT_RECAP_CONTEXT_TOKENS[e.RECAP === 'openai' ? 'openai' : 'vertex'],
      apiKey: e.RECAP_API_KEY,
      retry: { attempts: e.RECAP_RETRIES, delayMs: e.RECAP_RETRY_DELAY_MS },
    },
    pageLang: e.EMAIL_LANG,
  };
}
