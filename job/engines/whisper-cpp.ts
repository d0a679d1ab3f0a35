import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { AbortedError, ConfigError, throwIfAborted } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { track, trackFolder } from '../cleanup.js';
import type { AsrEngine, AsrOptions, AsrResult, AsrSegment, AsrToken, PromptBudget } from './asr.js';
import { readWhisperVocab, type WhisperVocab } from './whisper-vocab.js';

/**
 * whisper.cpp's whisper-cli as a child process, one run per file, results read from its full JSON output.
 * A child process (rather than Node bindings) because the prebuilt bindings lack AVX and ignore threads, and
 * because killing a process is the only reliable way to stop an encoder pass mid-window.
 */
export interface WhisperCppConfig {
  binaryPath: string;
  modelPath: string;
  log?: Logger;
  decoding?: WhisperDecoding;
}

/**
 * Decoding settings for long recordings (whisper.cpp #1507: beam 5 — set per call —, entropy threshold 2.8, a short
 * running context), each configurable (MAX_CONTEXT, ENTROPY_THRESHOLD, CARRY_PROMPT).
 */
export interface WhisperDecoding {
  /** Tokens of the previous window's text each window is conditioned on (whisper's default: up to 224). */
  maxContext?: number;
  /** A window whose tokens' entropy is below this is decoded again at a higher temperature (whisper-cli: 2.4). */
  entropyThreshold?: number;
  /** Carry the initial prompt into every 30 s window (true), or only the first (whisper's default). */
  carryPrompt?: boolean;
  /** No temperature fallback: for tests and benchmarks on random weights, which never pass whisper's thresholds. */
  noFallback?: boolean;
}

export const DECODING_DEFAULTS = { maxContext: 64, entropyThreshold: 2.8, carryPrompt: true } as const;

/** Codes whisper-cli accepts for -l (src/whisper.cpp g_lang). An unknown one makes it print usage and exit 0. */
const WHISPER_LANGUAGES = new Set(
  'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue'.split(' '),
);

const KILL_GRACE_MS = 1000;
const STDERR_TAIL_LINES = 40;

export class WhisperCppEngine implements AsrEngine {
  readonly description: string;
  private vocab?: WhisperVocab;

  constructor(private readonly config: WhisperCppConfig) {
    this.description = `whisper.cpp${versionOf(config.binaryPath)} (${basename(config.modelPath)})`;
  }

  private get decoding(): Required<Omit<WhisperDecoding, 'noFallback'>> & WhisperDecoding {
    return { ...DECODING_DEFAULTS, ...this.config.decoding };
  }

  /**
   * What a prompt may cost: whisper conditions a window on at most n_text_ctx / 2 tokens (224), made of one marker,
   * the carried prompt and the running context (the last window's text, `maxContext` tokens); the prompt gets the rest.
   */
  promptBudget(): PromptBudget {
    this.vocab ??= readWhisperVocab(this.config.modelPath);
    const vocab = this.vocab;
    return { tokens: Math.max(0, Math.floor(vocab.textContext / 2) - 1 - this.decoding.maxContext), count: (text) => vocab.countTokens(text) };
  }

  async transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult> {
    throwIfAborted(options.signal);
    const requested = options.language.toLowerCase();
    for (const lang of [requested, ...(options.allowedLanguages ?? [])]) {
      if (lang !== 'auto' && !WHISPER_LANGUAGES.has(lang)) throw new ConfigError([`language "${lang}" is not one whisper knows (use an ISO 639-1 code such as fr or en)`], 'Invalid language');
    }
    const dir = await mkdtemp(join(tmpdir(), 'whisper-run-'));
    const tracked = trackFolder(dir);
    try {
      const language = requested === 'auto' ? await this.chooseLanguage(wavPath, dir, options) : requested;
      const args = [...this.commonArgs(wavPath, options), '-l', language, '-bs', String(options.beamSize), '-ojf', '-of', join(dir, 'out'), '-pp'];
      args.push(...this.decodingArgs(options));
      const run = await this.run(args, wavPath, options.signal, options.onProgress);
      const json = await readOutput(join(dir, 'out.json'), wavPath, run.stderrTail);
      options.onProgress?.(1);
      return toAsrResult(json, { language, durationSeconds: run.durationSeconds });
    } finally {
      await rm(dir, { recursive: true, force: true });
      tracked.release();
    }
  }

  /**
   * 'auto' with a set of allowed languages. whisper-cli cannot restrict its detector, and reports only the winner;
   * it can stop after detecting (`-dl`, one encoder pass over the first 30 s), so we detect first, check the answer
   * against the set (falling back to the first allowed language, e.g. for music or silence detected as Welsh), then
   * transcribe with that language. The extra pass costs one 30 s window per file; the alternative (transcribe with
   * 'auto', re-run when the answer is outside the set) costs a whole second run whenever detection strays.
   */
  private async chooseLanguage(wavPath: string, dir: string, options: AsrOptions): Promise<string> {
    const allowed = (options.allowedLanguages ?? []).map((l) => l.toLowerCase());
    if (allowed.length === 0) return 'auto'; // unrestricted: whisper detects in the transcription pass itself
    if (allowed.length === 1) return allowed[0]!;
    const args = [...this.commonArgs(wavPath, options), '-l', 'auto', '-dl', '-oj', '-of', join(dir, 'detect')];
    const run = await this.run(args, wavPath, options.signal);
    const detected = (await readOutput(join(dir, 'detect.json'), wavPath, run.stderrTail)).result?.language ?? '';
    if (allowed.includes(detected)) return detected;
    this.config.log?.debug(`whisper detected "${detected}" in ${basename(wavPath)}, outside ${allowed.join(',')}: using ${allowed[0]}`);
    return allowed[0]!;
  }

  /**
   * The prompt, fitted to its budget, carried into every window, with room left for `maxContext` tokens of running
   * context (-mc bounds marker + prompt + context together). A fresh attempt (a span that looped) gets neither prompt
   * nor context, and temperature fallback whatever the settings.
   */
  private decodingArgs(options: AsrOptions): string[] {
    const d = this.decoding;
    const args = ['-et', String(d.entropyThreshold)];
    if (options.fresh) return [...args, '-mc', '0'];
    if (d.noFallback) args.push('-nf');
    const budget = options.prompt ? this.promptBudget() : undefined;
    const prompt = budget ? fitPrompt(options.prompt!, budget) : '';
    if (!prompt) return [...args, '-mc', String(d.maxContext)];
    args.push('--prompt', prompt, '-mc', String(budget!.count(prompt) + 1 + d.maxContext));
    if (d.carryPrompt) args.push('--carry-initial-prompt');
    return args;
  }

  private commonArgs(wavPath: string, options: AsrOptions): string[] {
    const threads = options.threads > 0 ? options.threads : availableParallelism();
    return ['-m', this.config.modelPath, '-f', wavPath, '-t', String(threads)];
  }

  /** Runs whisper-cli; resolves when it exits 0, rejects with its stderr otherwise, kills it on abort. */
  private run(args: string[], wavPath: string, signal?: AbortSignal, onProgress?: (f: number) => void): Promise<CliRun> {
    const log = this.config.log;
    log?.debug('whisper-cli', { binary: this.config.binaryPath, args });
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      const child = track(spawn(this.config.binaryPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
      const tail: string[] = [];
      let durationSeconds: number | undefined;
      let partial = '';
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const onLine = (line: string) => {
        const progress = /progress =\s*(\d+)%/.exec(line);
        if (progress) return onProgress?.(Math.min(1, Number(progress[1]) / 100));
        if (!line.trim()) return;
        const processing = /processing '.*' \((\d+) samples/.exec(line);
        if (processing) durationSeconds = Number(processing[1]) / 16000;
        tail.push(line);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
        log?.debug(`whisper-cli: ${line}`);
      };
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child.on('error', (err) => finish(new ConfigError([`cannot run ${this.config.binaryPath}: ${err.message}`, 'run `make install` to build whisper-cli'], 'whisper-cli not runnable')));
      child.on('close', (code, killedBy) => {
        if (partial) onLine(partial);
        if (signal?.aborted) return finish(new AbortedError(`Aborted: transcription of ${basename(wavPath)} stopped`));
        if (code === 0) return finish();
        const why = killedBy ? `killed by ${killedBy}` : `exit ${code}`;
        const modelFailed = tail.some((l) => l.includes('failed to initialize whisper context'));
        if (modelFailed) return finish(new ConfigError([`${this.config.modelPath}: whisper-cli could not load it (${why})`, ...tail.slice(-8)], 'Whisper model unusable'));
        finish(new Error(`whisper-cli failed on ${wavPath} (${why}):\n${tail.join('\n')}`));
      });
      const finish = (err?: Error) => {
        clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve({ stderrTail: tail.join('\n'), durationSeconds });
      };
    });
  }
}

interface CliRun {
  stderrTail: string;
  /** From whisper-cli's "processing '…' (N samples" line, when present. */
  durationSeconds?: number;
}

function versionOf(binary: string): string {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /version:\s*(\S+)/.exec(out);
    return m ? ` ${m[1]}` : '';
  } catch {
    return '';
  }
}

/**
 * A prompt within its token budget: whole as given when it fits (the prompt stage fits it already), else its end
 * (whisper keeps a prompt's last tokens too), starting at a list or word boundary.
 */
export function fitPrompt(prompt: string, budget: PromptBudget): string {
  const text = prompt.trim().replace(/\s+/g, ' ');
  if (budget.count(text) <= budget.tokens) return text;
  const words = text.split(' ');
  for (let i = 1; i < words.length; i++) {
    const tail = words.slice(i).join(' ');
    if (budget.count(tail) <= budget.tokens) return tail;
  }
  return '';
}

const Offsets = z.object({ from: z.number(), to: z.number() });
const WhisperJson = z.object({
  model: z.object({ vocab: z.number() }).partial().optional(),
  result: z.object({ language: z.string() }).partial().optional(),
  transcription: z
    .array(
      z.object({
        offsets: Offsets,
        text: z.string(),
        tokens: z
          .array(z.object({ text: z.string(), id: z.number().optional(), p: z.number().nullable().optional(), offsets: Offsets.optional() }))
          .optional(),
      }),
    )
    .default([]),
});
type WhisperJson = z.infer<typeof WhisperJson>;

async function readOutput(file: string, wavPath: string, stderrTail: string): Promise<WhisperJson> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    // whisper-cli skips an unreadable input and still exits 0: no output file is how that shows.
    throw new Error(`whisper-cli wrote no result for ${wavPath} (unreadable audio?):\n${stderrTail}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(repairWhisperJson(raw));
  } catch (err) {
    throw new Error(`whisper-cli output for ${wavPath} is not JSON (${(err as Error).message})`);
  }
  const parsed = WhisperJson.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`whisper-cli output for ${wavPath} has an unexpected shape (${issue?.path.join('.')}: ${issue?.message}); is this whisper.cpp 1.7 or later?`);
  }
  return parsed.data;
}

/**
 * whisper-cli escapes only quotes and backslashes, so a token holding a control byte yields a raw control character
 * inside a JSON string, and a NaN probability is written bare. Both are made parseable here.
 */
export function repairWhisperJson(text: string): string {
  return text.replace(/"(?:[^"\\]|\\[^])*"|-?\b(?:nan|inf)\b/gi, (m) =>
    m[0] === '"' ? m.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : 'null',
  );
}

const SPECIAL = /^\[_[^\]]*\]$|^<\|[^|]*\|>$/;
const CONTROL = /[\u0000-\u001f\u007f]+/g;

/** Whisper JSON (offsets in ms) to AsrResult (seconds), special tokens dropped, times kept inside the file. */
export function toAsrResult(json: WhisperJson, run: { language: string; durationSeconds?: number }): AsrResult {
  const { durationSeconds } = run;
  const firstSpecial = (json.model?.vocab ?? 51865) >= 51865 ? 50257 : 50256; // eot: multilingual vocabularies shift it by one
  const clamp = (t: number) => Math.max(0, durationSeconds === undefined ? t : Math.min(durationSeconds, t));
  const segments: AsrSegment[] = [];
  for (const s of json.transcription) {
    const start = clamp(s.offsets.from / 1000);
    const end = Math.max(start, clamp(s.offsets.to / 1000));
    const tokens: AsrToken[] = [];
    for (const t of s.tokens ?? []) {
      if (SPECIAL.test(t.text) || (t.id !== undefined && t.id >= firstSpecial)) continue;
      const tStart = t.offsets ? Math.min(end, Math.max(start, t.offsets.from / 1000)) : start;
      const tEnd = t.offsets ? Math.min(end, Math.max(tStart, t.offsets.to / 1000)) : end;
      tokens.push({ start: tStart, end: tEnd, text: t.text.replace(CONTROL, ' '), probability: t.p ?? 0 });
    }
    const text = s.text.replace(CONTROL, ' ').trim();
    if (!text && tokens.length === 0) continue;
    const logprobs = tokens.map((t) => Math.log(Math.max(t.probability, 1e-10)));
    const avgLogprob = logprobs.length > 0 ? logprobs.reduce((a, b) => a + b, 0) / logprobs.length : undefined;
    segments.push({ start, end, text, tokens, avgLogprob });
  }
  return { language: json.result?.language || run.language, segments };
}
