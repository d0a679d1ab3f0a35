/**
 * Random-weight whisper models in whisper.cpp's ggml format, so the real engine can be exercised without any
 * downloaded weights. The output is nonsense text, but every code path (model load, mel, encoder, decoder, timestamps,
 * JSON output) runs exactly as with a real model, and a model with large-v3-turbo's dimensions costs what the real
 * one costs to run.
 *
 * Layout (whisper.cpp src/whisper.cpp `whisper_model_load`): magic, 11 int32 hyper-parameters, mel filters
 * (n_mel, n_fft, float32 data), vocabulary (count, length-prefixed byte strings), then tensors
 * (n_dims, name length, type, dims in ggml order, name, data). Written streaming: the turbo-sized file is ≈ 1.6 GB
 * in f16, ≈ 0.87 GB in q8_0 (the size of the real ggml-large-v3-turbo-q8_0.bin).
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { GGML_MAGIC } from '../../job/engines/whisper-model.js';

export interface WhisperDims {
  nVocab: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
  nMels: number;
}

/** 64 wide, one layer each side, multilingual vocabulary: ≈ 8 MB, loads and runs a 30 s window in well under 1 s. */
export const TINY_DIMS: WhisperDims = {
  nVocab: 51865, nAudioCtx: 1500, nAudioState: 64, nAudioHead: 4, nAudioLayer: 1,
  nTextCtx: 448, nTextState: 64, nTextHead: 4, nTextLayer: 1, nMels: 80,
};

/** whisper large-v3-turbo's dimensions: with `weights: 'q8_0'`, the same compute as the model the image bakes in. */
export const LARGE_V3_TURBO_DIMS: WhisperDims = {
  nVocab: 51866, nAudioCtx: 1500, nAudioState: 1280, nAudioHead: 20, nAudioLayer: 32,
  nTextCtx: 448, nTextState: 1280, nTextHead: 20, nTextLayer: 4, nMels: 128,
};

/**
 * How the 2-D weight matrices are stored: f16, or q8_0 as in the production model (blocks of 32 int8 with an f16
 * scale; ggml's AVX2 int8 dot products make it several times faster to run than f16 on this kind of CPU).
 * Convolution kernels stay f16 (whisper.cpp 1.9's CPU convolution asserts it), vectors and embeddings f32.
 */
export type WeightType = 'f16' | 'q8_0';
const FTYPE: Record<WeightType, number> = { f16: 1, q8_0: 7 }; // GGML_FTYPE_MOSTLY_*
const TYPE = { f32: 0, f16: 1, q8_0: 8 } as const; // ggml_type
const CHUNK_VALUES = 1 << 21; // values per write (a multiple of the q8_0 block)
const Q8_BLOCK = 32;

/**
 * Writes a random-weight model to `path` (via `path.part`, renamed at the end, so a crash never leaves a truncated
 * model under the final name). The same seed gives the same bytes.
 */
export async function writeGgmlModel(path: string, dims: WhisperDims, options: { seed?: number; weights?: WeightType } = {}): Promise<void> {
  const weights = options.weights ?? 'f16';
  if (dims.nAudioState !== dims.nTextState) throw new Error('whisper.cpp requires nAudioState === nTextState');
  const part = `${path}.part`;
  const file = await open(part, 'w');
  try {
    await file.write(ggmlHeader(dims, weights));
    await file.write(melFilterBytes(dims.nMels));
    await file.write(vocabBytes());
    const random = new Random(options.seed ?? 1);
    for (const spec of tensorSpecs(dims, weights)) await writeTensor(file, spec, random);
    await file.close();
    await rename(part, path);
  } catch (err) {
    await file.close().catch(() => {});
    await rm(part, { force: true });
    throw err;
  }
}

/** Magic and the 11 hyper-parameters: all a model-file check reads. */
export function ggmlHeader(dims: WhisperDims, weights: WeightType = 'f16'): Buffer {
  const header = Buffer.alloc(4 + 11 * 4);
  header.writeUInt32LE(GGML_MAGIC, 0);
  const hparams = [dims.nVocab, dims.nAudioCtx, dims.nAudioState, dims.nAudioHead, dims.nAudioLayer, dims.nTextCtx, dims.nTextState, dims.nTextHead, dims.nTextLayer, dims.nMels, FTYPE[weights]];
  hparams.forEach((v, i) => header.writeInt32LE(v, 4 + i * 4));
  return header;
}

function melFilterBytes(nMels: number): Buffer {
  const nFft = 201; // whisper's 400-sample FFT: 201 frequency bins
  const filters = melFilters(nMels, nFft);
  const out = Buffer.alloc(8 + filters.byteLength);
  out.writeInt32LE(nMels, 0);
  out.writeInt32LE(nFft, 4);
  Buffer.from(filters.buffer, filters.byteOffset, filters.byteLength).copy(out, 8);
  return out;
}

function vocabBytes(): Buffer {
  // The file holds the 50257 byte-pair tokens; whisper.cpp derives the special tokens (sot, languages, timestamps)
  // from the n_vocab hyper-parameter, exactly as with the real multilingual models.
  const tokens = syntheticVocab();
  const parts: Buffer[] = [int32(tokens.length)];
  for (const t of tokens) parts.push(int32(t.length), t);
  return Buffer.concat(parts);
}

async function writeTensor(file: FileHandle, spec: TensorSpec, random: Random): Promise<void> {
  const name = Buffer.from(spec.name, 'utf8');
  const head = Buffer.alloc(12 + 4 * spec.shape.length);
  head.writeInt32LE(spec.shape.length, 0);
  head.writeInt32LE(name.length, 4);
  head.writeInt32LE(TYPE[spec.type], 8);
  spec.shape.forEach((d, i) => head.writeInt32LE(d, 12 + 4 * i));
  await file.write(Buffer.concat([head, name]));
  let left = spec.shape.reduce((a, b) => a * b, 1);
  while (left > 0) {
    const n = Math.min(left, CHUNK_VALUES);
    await file.write(spec.type === 'f32' ? random.f32Chunk(n, spec.mean) : spec.type === 'f16' ? random.f16Chunk(n) : random.q8Chunk(n));
    left -= n;
  }
}

interface TensorSpec {
  name: string;
  /** ggml order: fastest-varying dimension first (the reverse of PyTorch's shape). */
  shape: number[];
  type: keyof typeof TYPE;
  /** 1 for layer-norm gains, 0 elsewhere. */
  mean: number;
}

/** Names and shapes as whisper.cpp's loader creates them (src/whisper.cpp, src/whisper-arch.h). */
function tensorSpecs(d: WhisperDims, weights: WeightType): TensorSpec[] {
  const s = d.nAudioState;
  const specs: TensorSpec[] = [];
  const add = (name: string, ...shape: number[]) => {
    const vector = shape.length === 1 || name.endsWith('.bias') || name.endsWith('positional_embedding');
    const type = vector ? 'f32' : shape.length === 3 ? 'f16' : weights;
    specs.push({ name, shape, type, mean: /ln(_post)?\.weight$/.test(name) ? 1 : 0 });
  };
  const block = (prefix: string, cross: boolean) => {
    for (const attn of cross ? ['attn', 'cross_attn'] : ['attn']) {
      add(`${prefix}.${attn}_ln.weight`, s);
      add(`${prefix}.${attn}_ln.bias`, s);
      add(`${prefix}.${attn}.query.weight`, s, s);
      add(`${prefix}.${attn}.query.bias`, s);
      add(`${prefix}.${attn}.key.weight`, s, s);
      add(`${prefix}.${attn}.value.weight`, s, s);
      add(`${prefix}.${attn}.value.bias`, s);
      add(`${prefix}.${attn}.out.weight`, s, s);
      add(`${prefix}.${attn}.out.bias`, s);
    }
    add(`${prefix}.mlp_ln.weight`, s);
    add(`${prefix}.mlp_ln.bias`, s);
    add(`${prefix}.mlp.0.weight`, s, 4 * s);
    add(`${prefix}.mlp.0.bias`, 4 * s);
    add(`${prefix}.mlp.2.weight`, 4 * s, s);
    add(`${prefix}.mlp.2.bias`, s);
  };
  add('encoder.positional_embedding', s, d.nAudioCtx);
  add('encoder.conv1.weight', 3, d.nMels, s);
  add('encoder.conv1.bias', 1, s);
  add('encoder.conv2.weight', 3, s, s);
  add('encoder.conv2.bias', 1, s);
  for (let i = 0; i < d.nAudioLayer; i++) block(`encoder.blocks.${i}`, false);
  add('encoder.ln_post.weight', s);
  add('encoder.ln_post.bias', s);
  add('decoder.positional_embedding', s, d.nTextCtx);
  add('decoder.token_embedding.weight', s, d.nVocab);
  for (let i = 0; i < d.nTextLayer; i++) block(`decoder.blocks.${i}`, true);
  add('decoder.ln.weight', s);
  add('decoder.ln.bias', s);
  return specs;
}

/**
 * Slaney-style mel filterbank (librosa.filters.mel(sr=16000, n_fft=400, norm='slaney')), as OpenAI computed the
 * filters stored in every whisper model: triangles on the Slaney mel scale, each normalised to unit area.
 */
export function melFilters(nMels: number, nFft = 201, sampleRate = 16000): Float32Array {
  const toMel = (f: number) => (f < 1000 ? (3 * f) / 200 : 15 + Math.log(f / 1000) / (Math.log(6.4) / 27));
  const toHz = (m: number) => (m < 15 ? (200 * m) / 3 : 1000 * Math.exp((Math.log(6.4) / 27) * (m - 15)));
  const maxMel = toMel(sampleRate / 2);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => toHz((maxMel * i) / (nMels + 1)));
  const out = new Float32Array(nMels * nFft);
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const norm = 2 / (hi - lo);
    for (let k = 0; k < nFft; k++) {
      const f = (k * sampleRate) / 2 / (nFft - 1);
      const w = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      out[m * nFft + k] = w * norm;
    }
  }
  return out;
}

/**
 * 50257 byte strings laid out like the real multilingual vocabulary: the 256 single-byte tokens at GPT-2's ids
 * (bytes that are not valid UTF-8 alone stored as U+FFFD, as the converted models do), made-up word pieces, and the
 * empty token at 50256. Every ASCII text tokenizes, so prompts reach the decoder.
 */
export function syntheticVocab(): Buffer[] {
  const fffd = Buffer.from('\ufffd', 'utf8');
  const bytes: Buffer[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(Buffer.from([b]));
  for (let b = 0xa1; b <= 0xff; b++) if (b !== 0xad) bytes.push(fffd);
  for (let b = 0x00; b <= 0x20; b++) bytes.push(Buffer.from([b]));
  bytes.push(Buffer.from([0x7f]));
  while (bytes.length < 256) bytes.push(fffd);
  const seen = new Set<string>();
  const pieces: string[] = [];
  const take = (p: string) => {
    if (pieces.length < 50000 && !seen.has(p)) seen.add(p), pieces.push(p);
  };
  const words = 'the and you that was for are with his they this have from one had word but not what all were when your can said there use each which she how their will other about out many then them these some her would make like him into time has look two more write see number way could people than first water been call who its now find long down day did get come made may part le la les de des un une et est pas que qui dans pour sur avec dragon sort jet dé initiative bonjour'.split(' ');
  for (const w of words) take(' ' + w), take(w);
  for (const c of 'éèêàâçîïôûùëœ’«»…') take(c), take(' ' + c);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let len = 2; pieces.length < 50000; len++) {
    const count = letters.length ** len;
    for (let i = 0; i < count && pieces.length < 50000; i++) {
      let piece = '';
      for (let n = i, k = 0; k < len; k++, n = Math.floor(n / letters.length)) piece = letters[n % letters.length] + piece;
      take(' ' + piece);
      take(piece);
    }
  }
  return [...bytes, ...pieces.map((p) => Buffer.from(p, 'utf8')), Buffer.alloc(0)];
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

/**
 * Seeded N(mean, 0.02) values. Drawing ≈ 800 M Gaussian numbers one by one would take minutes, so a table of 65536
 * Gaussian samples (also precomputed as f16 and as q8_0 quants) is indexed by a fast xorshift generator.
 */
const Q8_SCALE = (0.02 * 4) / 127; // one scale for every block: quants span ±4 σ
class Random {
  private state: number;
  private readonly table = new Float32Array(65536);
  private readonly tableF16 = new Uint16Array(65536);
  private readonly tableQ8 = new Int8Array(65536);

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
    for (let i = 0; i < this.table.length; i += 2) {
      // Box-Muller over the same generator: two normals per pair of uniforms.
      const u = (this.next() + 1) / 4294967297;
      const v = (this.next() + 1) / 4294967297;
      const r = Math.sqrt(-2 * Math.log(u)) * 0.02;
      this.table[i] = r * Math.cos(2 * Math.PI * v);
      this.table[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    for (let i = 0; i < this.table.length; i++) {
      this.tableF16[i] = toF16(this.table[i]!);
      this.tableQ8[i] = Math.max(-127, Math.min(127, Math.round(this.table[i]! / Q8_SCALE)));
    }
  }

  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  f16Chunk(n: number): Buffer {
    const table = this.tableF16;
    const out = new Uint16Array(n);
    let x = this.state;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = table[x & 0xffff]!;
    }
    this.state = x >>> 0;
    return Buffer.from(out.buffer);
  }

  /** q8_0 blocks: f16 scale, then 32 int8 quants. */
  q8Chunk(n: number): Buffer {
    const out = Buffer.alloc((n / Q8_BLOCK) * (2 + Q8_BLOCK));
    const scale = toF16(Q8_SCALE);
    let x = this.state;
    for (let at = 0; at < out.length; ) {
      out.writeUInt16LE(scale, at);
      at += 2;
      for (let k = 0; k < Q8_BLOCK; k++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[at++] = this.tableQ8[x & 0xffff]! & 0xff;
      }
    }
    this.state = x >>> 0;
    return out;
  }

  f32Chunk(n: number, mean: number): Buffer {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + this.table[this.next() & 0xffff]!;
    return Buffer.from(out.buffer);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** IEEE half precision, round to nearest (only ever called for the 2 × 65536 table entries). */
function toF16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >>> (1 - exp);
    return sign | ((m + 0x1000) >>> 13);
  }
  return (sign | (exp << 10) | (mant >>> 13)) + ((mant >>> 12) & 1);
}
