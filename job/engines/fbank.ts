import { Fft } from './fft.js';

/**
 * Kaldi-compatible log-mel filterbank, the features the neural speaker-embedding models (WeSpeaker, 3D-Speaker CAM++)
 * were trained on: `torchaudio.compliance.kaldi.fbank` with its defaults — snip_edges, DC offset removed, pre-emphasis,
 * povey window, power spectrum of a zero-padded 512-point FFT, triangular filters on the Kaldi mel scale
 * (1127·ln(1 + f/700)) from `lowFreq` to Nyquist, natural log floored at float32 epsilon — followed, when asked, by the
 * per-utterance mean normalisation both projects apply. Dither is 0, as at inference.
 */
export interface FbankOptions {
  sampleRate: number;
  numMelBins: number;
  /** Samples per frame (25 ms). */
  frameLength: number;
  /** Samples between frames (10 ms). */
  frameShift: number;
  preemphasis: number;
  lowFreq: number;
  /** 0 means Nyquist; a negative value is an offset from Nyquist, as in Kaldi. */
  highFreq: number;
  /**
   * Input floats are multiplied by this first. WeSpeaker feeds int16-scaled samples; with mean normalisation the
   * scale only shifts every log energy by a constant, so it matters only against the epsilon floor.
   */
  inputScale: number;
}

export const KALDI_FBANK: FbankOptions = {
  sampleRate: 16000,
  numMelBins: 80,
  frameLength: 400,
  frameShift: 160,
  preemphasis: 0.97,
  lowFreq: 20,
  highFreq: 0,
  inputScale: 32768,
};

const FLOAT32_EPSILON = 1.1920928955078125e-7;

export interface Features {
  frames: number;
  bins: number;
  /** Row-major [frames × bins]. */
  data: Float32Array;
}

export function kaldiMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

interface Filter {
  first: number;
  weights: Float64Array;
}

export class Fbank {
  readonly options: FbankOptions;
  private readonly fft: Fft;
  private readonly window: Float64Array;
  private readonly filters: Filter[];
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly power: Float64Array;

  constructor(options: Partial<FbankOptions> = {}) {
    this.options = { ...KALDI_FBANK, ...options };
    const { frameLength, sampleRate, numMelBins, lowFreq } = this.options;
    let size = 1;
    while (size < frameLength) size *= 2;
    this.fft = new Fft(size);
    this.window = new Float64Array(frameLength);
    for (let i = 0; i < frameLength; i++) this.window[i] = Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameLength - 1)), 0.85);
    const nyquist = sampleRate / 2;
    const highFreq = this.options.highFreq <= 0 ? nyquist + this.options.highFreq : this.options.highFreq;
    if (!(lowFreq >= 0 && lowFreq < highFreq && highFreq <= nyquist)) {
      throw new RangeError(`fbank: need 0 <= lowFreq < highFreq <= ${nyquist}, got ${lowFreq} and ${highFreq}`);
    }
    this.filters = melFilters(numMelBins, size, sampleRate, lowFreq, highFreq);
    this.frame = new Float64Array(frameLength);
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.power = new Float64Array(size / 2 + 1);
  }

  /** Number of frames Kaldi makes from `samples` samples (snip_edges). */
  frameCount(samples: number): number {
    const { frameLength, frameShift } = this.options;
    return samples < frameLength ? 0 : 1 + Math.floor((samples - frameLength) / frameShift);
  }

  /** Log-mel energies of every frame, without mean normalisation. */
  compute(samples: Float32Array): Features {
    const { frameLength, frameShift, preemphasis, inputScale, numMelBins } = this.options;
    const frames = this.frameCount(samples.length);
    const data = new Float32Array(frames * numMelBins);
    const x = this.frame;
    for (let f = 0; f < frames; f++) {
      const offset = f * frameShift;
      let mean = 0;
      for (let i = 0; i < frameLength; i++) {
        x[i] = samples[offset + i]! * inputScale;
        mean += x[i]!;
      }
      mean /= frameLength;
      for (let i = 0; i < frameLength; i++) x[i] = x[i]! - mean;
      for (let i = frameLength - 1; i > 0; i--) x[i] = x[i]! - preemphasis * x[i - 1]!;
      x[0] = x[0]! - preemphasis * x[0]!;
      for (let i = 0; i < frameLength; i++) x[i] = x[i]! * this.window[i]!;
      this.fft.powerSpectrum(x, this.re, this.im, this.power);
      for (let m = 0; m < numMelBins; m++) {
        const { first, weights } = this.filters[m]!;
        let energy = 0;
        for (let k = 0; k < weights.length; k++) energy += weights[k]! * this.power[first + k]!;
        data[f * numMelBins + m] = Math.log(Math.max(energy, FLOAT32_EPSILON));
      }
    }
    return { frames, bins: numMelBins, data };
  }
}

/** Subtracts each bin's mean over the frames, in place (the models' utterance-level CMN). */
export function meanNormalize(features: Features): Features {
  const { frames, bins, data } = features;
  if (frames === 0) return features;
  const mean = new Float64Array(bins);
  for (let f = 0; f < frames; f++) for (let b = 0; b < bins; b++) mean[b] = mean[b]! + data[f * bins + b]!;
  for (let b = 0; b < bins; b++) mean[b] = mean[b]! / frames;
  for (let f = 0; f < frames; f++) for (let b = 0; b < bins; b++) data[f * bins + b] = data[f * bins + b]! - mean[b]!;
  return features;
}

/** Kaldi's MelBanks: bins 0..size/2-1 (the Nyquist bin gets no weight), triangles equally spaced in mel. */
function melFilters(count: number, size: number, sampleRate: number, lowFreq: number, highFreq: number): Filter[] {
  const binWidth = sampleRate / size;
  const melLow = kaldiMel(lowFreq);
  const delta = (kaldiMel(highFreq) - melLow) / (count + 1);
  const filters: Filter[] = [];
  for (let m = 0; m < count; m++) {
    const left = melLow + m * delta;
    const center = left + delta;
    const right = center + delta;
    const weights: number[] = [];
    let first = -1;
    for (let k = 0; k < size / 2; k++) {
      const mel = kaldiMel(binWidth * k);
      const w = Math.max(0, Math.min((mel - left) / (center - left), (right - mel) / (right - center)));
      if (w > 0) {
        if (first < 0) first = k;
        weights.push(w);
      }
    }
    filters.push({ first: Math.max(0, first), weights: Float64Array.from(weights) });
  }
  return filters;
}
