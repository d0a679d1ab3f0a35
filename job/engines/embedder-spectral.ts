import { l2normalize, type SpeakerEmbedder } from './embedder.js';
import { Fbank } from './fbank.js';
import { PitchTracker } from './pitch.js';

/**
 * The model-free speaker embedding, so that a fresh checkout diarizes with nothing to download: the average
 * spectral envelope of the voiced frames (MFCCs 1–19: vocal-tract shape and voice quality, measured on vowels so
 * that what is said matters less) and the median pitch. Weaker than a neural model on real recordings, and blind to
 * what a model learns from thousands of voices, but the clustering works on either. Measured on espeak voices (see
 * the tests): spreads of the MFCCs and of the pitch told speakers apart far less than they varied with the sentence,
 * so they are left out.
 *
 * Frame features are computed once per stretch of audio and pooled per window, so overlapping windows cost no more
 * than the audio they cover.
 */
const MEL_BINS = 40;
const CEPSTRA = 20; // c0 (loudness) is dropped
const STAT_DIM = CEPSTRA - 1;
/** Frames more than 30 dB below the window's loudest carry more noise than voice. */
const LOUD_FRAME_RANGE = Math.log(1000);
const VOICED_STRENGTH = 0.6;
/** Fewer voiced frames than this (whisper, noise): the loud frames stand in. */
const MIN_VOICED_FRAMES = 10;
/** log F0 is measured from 150 Hz and scaled so that an octave weighs like a large cepstral difference. */
const PITCH_REFERENCE = Math.log(150);
const PITCH_SCALE = 10;

interface FrameFeatures {
  count: number;
  cepstra: Float32Array;
  energy: Float32Array;
}

export class SpectralEmbedder implements SpeakerEmbedder {
  readonly description = 'model-free spectral statistics (voiced MFCC means and median pitch)';
  readonly dim = STAT_DIM + 1;
  private readonly fbank = new Fbank({ numMelBins: MEL_BINS, lowFreq: 60, highFreq: 7600 });
  private readonly pitch = new PitchTracker();
  private readonly dct = dctMatrix(CEPSTRA, MEL_BINS);

  async embed(samples: Float32Array): Promise<Float32Array> {
    return (await this.embedWindows(samples, [[0, samples.length]]))[0]!;
  }

  async embedWindows(samples: Float32Array, windows: ReadonlyArray<readonly [number, number]>): Promise<Float32Array[]> {
    if (windows.length === 0) return [];
    const first = Math.max(0, Math.min(...windows.map((w) => w[0])));
    const last = Math.min(samples.length, Math.max(...windows.map((w) => w[1])));
    const span = samples.subarray(first, last);
    const frames = this.frameFeatures(span);
    const voiced = this.voicing(frames.count, this.pitch.track(span));
    return windows.map(([a, b]) => this.pool(frames, voiced, a - first, b - first));
  }

  /** MFCC 1..19 and log energy per 10 ms frame. */
  private frameFeatures(samples: Float32Array): FrameFeatures {
    const fb = this.fbank.compute(samples);
    const cepstra = new Float32Array(fb.frames * STAT_DIM);
    const energy = new Float32Array(fb.frames);
    for (let f = 0; f < fb.frames; f++) {
      const row = fb.data.subarray(f * MEL_BINS, (f + 1) * MEL_BINS);
      let max = -Infinity;
      for (let m = 0; m < MEL_BINS; m++) max = Math.max(max, row[m]!);
      let sum = 0;
      for (let m = 0; m < MEL_BINS; m++) sum += Math.exp(row[m]! - max);
      energy[f] = max + Math.log(sum);
      for (let c = 1; c < CEPSTRA; c++) {
        let v = 0;
        for (let m = 0; m < MEL_BINS; m++) v += this.dct[c * MEL_BINS + m]! * row[m]!;
        cepstra[f * STAT_DIM + c - 1] = v;
      }
    }
    return { count: fb.frames, cepstra, energy };
  }

  /** log F0 of each fbank frame from the pitch frame centred nearest to it; NaN where unvoiced. */
  private voicing(count: number, track: { f0: Float32Array; strength: Float32Array }): Float32Array {
    const { frameShift, frameLength } = this.fbank.options;
    const { hop, frameLength: pitchLength } = this.pitch.options;
    const out = new Float32Array(count).fill(NaN);
    for (let f = 0; f < count; f++) {
      const p = Math.round((f * frameShift + frameLength / 2 - pitchLength / 2) / hop);
      if (p >= 0 && p < track.f0.length && track.strength[p]! >= VOICED_STRENGTH) out[f] = Math.log(track.f0[p]!);
    }
    return out;
  }

  private pool(frames: FrameFeatures, logF0: Float32Array, a: number, b: number): Float32Array {
    const { frameShift, frameLength } = this.fbank.options;
    const f0 = Math.max(0, Math.ceil(a / frameShift));
    const f1 = Math.min(frames.count, Math.floor((b - frameLength) / frameShift) + 1);
    let loudest = -Infinity;
    for (let f = f0; f < f1; f++) loudest = Math.max(loudest, frames.energy[f]!);
    const loud: number[] = [];
    const voiced: number[] = [];
    for (let f = f0; f < f1; f++) {
      if (frames.energy[f]! < loudest - LOUD_FRAME_RANGE) continue;
      loud.push(f);
      if (!Number.isNaN(logF0[f]!)) voiced.push(f);
    }
    const chosen = voiced.length >= MIN_VOICED_FRAMES ? voiced : loud;
    const out = new Float32Array(this.dim);
    for (const f of chosen) for (let c = 0; c < STAT_DIM; c++) out[c] = out[c]! + frames.cepstra[f * STAT_DIM + c]! / chosen.length;
    const pitches = voiced.map((f) => logF0[f]!).sort((x, y) => x - y);
    const median = pitches.length > 0 ? pitches[Math.floor(pitches.length / 2)]! : PITCH_REFERENCE;
    out[STAT_DIM] = PITCH_SCALE * (median - PITCH_REFERENCE);
    return l2normalize(out);
  }
}

/** Orthonormal DCT-II rows 0..count-1 over `bins` inputs (row-major). */
function dctMatrix(count: number, bins: number): Float64Array {
  const m = new Float64Array(count * bins);
  for (let c = 0; c < count; c++) {
    const scale = Math.sqrt((c === 0 ? 1 : 2) / bins);
    for (let k = 0; k < bins; k++) m[c * bins + k] = scale * Math.cos((Math.PI * c * (k + 0.5)) / bins);
  }
  return m;
}
