import { Fft } from './fft.js';

/**
 * Fundamental frequency by normalised autocorrelation with Boersma's window correction (the method behind Praat's
 * pitch tracker, without its path search): for each frame, the lag whose autocorrelation, divided by the window's
 * own, is highest within [minHz, maxHz]. Autocorrelations come from the power spectrum (two FFTs per frame) because
 * the direct sum costs ~100× more at these lags. The strength (0..1) says how periodic the frame is; voiced speech
 * is above ~0.5.
 */
export interface PitchOptions {
  sampleRate: number;
  /** Samples per analysis frame: at least two periods of the lowest pitch. */
  frameLength: number;
  hop: number;
  minHz: number;
  maxHz: number;
}

/** A peak at a shorter lag wins over the highest one when it reaches this fraction of it. */
const OCTAVE_TOLERANCE = 0.9;

export const DEFAULT_PITCH: PitchOptions = { sampleRate: 16000, frameLength: 640, hop: 320, minHz: 60, maxHz: 400 };

export interface PitchTrack {
  /** Hz per frame, 0 where no lag stood out. Frame i covers samples [i·hop, i·hop + frameLength). */
  f0: Float32Array;
  strength: Float32Array;
}

export class PitchTracker {
  readonly options: PitchOptions;
  private readonly fft: Fft;
  private readonly window: Float64Array;
  private readonly windowAcf: Float64Array;
  private readonly minLag: number;
  private readonly maxLag: number;
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly power: Float64Array;
  private readonly normalised: Float64Array;

  constructor(options: Partial<PitchOptions> = {}) {
    this.options = { ...DEFAULT_PITCH, ...options };
    const { frameLength, sampleRate, minHz, maxHz } = this.options;
    this.minLag = Math.max(2, Math.floor(sampleRate / maxHz));
    this.maxLag = Math.ceil(sampleRate / minHz);
    if (this.maxLag >= frameLength) throw new RangeError(`pitch: a ${frameLength}-sample frame cannot hold ${minHz} Hz`);
    let size = 1;
    while (size < frameLength + this.maxLag + 1) size *= 2;
    this.fft = new Fft(size);
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.power = new Float64Array(size / 2 + 1);
    this.frame = new Float64Array(frameLength);
    this.normalised = new Float64Array(this.maxLag + 1);
    this.window = new Float64Array(frameLength);
    for (let i = 0; i < frameLength; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameLength - 1));
    this.windowAcf = this.autocorrelation(this.window).slice();
  }

  frameCount(samples: number): number {
    const { frameLength, hop } = this.options;
    return samples < frameLength ? 0 : 1 + Math.floor((samples - frameLength) / hop);
  }

  track(samples: Float32Array): PitchTrack {
    const { frameLength, hop, sampleRate } = this.options;
    const frames = this.frameCount(samples.length);
    const f0 = new Float32Array(frames);
    const strength = new Float32Array(frames);
    const x = this.frame;
    for (let f = 0; f < frames; f++) {
      const offset = f * hop;
      let mean = 0;
      for (let i = 0; i < frameLength; i++) mean += samples[offset + i]!;
      mean /= frameLength;
      for (let i = 0; i < frameLength; i++) x[i] = (samples[offset + i]! - mean) * this.window[i]!;
      const r = this.autocorrelation(x);
      const r0 = r[0]!;
      if (!(r0 > 1e-10)) continue;
      const v = this.normalised;
      let best = 0;
      for (let lag = this.minLag - 1; lag <= this.maxLag; lag++) {
        v[lag] = r[lag]! / r0 / (this.windowAcf[lag]! / this.windowAcf[0]!);
        if (lag >= this.minLag && v[lag]! > best) best = v[lag]!;
      }
      if (!(best > 0)) continue;
      // A periodic frame also peaks at two and three periods, sometimes a hair higher than at one (the period is
      // rarely a whole number of samples): take the first local peak nearly as strong as the best, as YIN does, so
      // the pitch does not drop an octave.
      let bestLag = 0;
      for (let lag = this.minLag; lag <= this.maxLag; lag++) {
        const peak = v[lag]! >= v[lag - 1]! && (lag === this.maxLag || v[lag]! >= v[lag + 1]!);
        if (peak && v[lag]! >= OCTAVE_TOLERANCE * best) {
          bestLag = lag;
          best = v[lag]!;
          break;
        }
      }
      if (bestLag === 0) continue;
      f0[f] = sampleRate / this.refine(r, bestLag);
      strength[f] = Math.min(1, best);
    }
    return { f0, strength };
  }

  /** Autocorrelation at lags 0..maxLag (a view into scratch space, valid until the next call). */
  private autocorrelation(frame: Float64Array): Float64Array {
    const n = this.fft.size;
    this.fft.powerSpectrum(frame, this.re, this.im, this.power);
    for (let k = 0; k <= n / 2; k++) {
      this.re[k] = this.power[k]!;
      this.im[k] = 0;
      if (k > 0 && k < n / 2) {
        this.re[n - k] = this.power[k]!;
        this.im[n - k] = 0;
      }
    }
    // The power spectrum is real and even, so the forward transform equals the inverse up to 1/n.
    this.fft.transform(this.re, this.im);
    for (let i = 0; i <= this.maxLag; i++) this.re[i] = this.re[i]! / n;
    return this.re.subarray(0, this.maxLag + 1);
  }

  /** Parabolic interpolation of the peak, for sub-sample lag precision. */
  private refine(r: Float64Array, lag: number): number {
    if (lag <= this.minLag || lag >= this.maxLag) return lag;
    const w = this.windowAcf;
    const y0 = r[lag - 1]! / w[lag - 1]!;
    const y1 = r[lag]! / w[lag]!;
    const y2 = r[lag + 1]! / w[lag + 1]!;
    const curvature = y0 - 2 * y1 + y2;
    return curvature < 0 ? lag + (0.5 * (y0 - y2)) / curvature : lag;
  }
}
