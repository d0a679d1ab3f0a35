import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * The session's decoded audio lives on disk as one raw 16 kHz mono s16le file (all source files end to end), so a
 * 4-hour session costs 460 MB of disk and almost no memory. Stages read the spans they need.
 */
export const SAMPLE_RATE = 16000;
export const BYTES_PER_SAMPLE = 2;

export class PcmFile {
  private constructor(
    readonly path: string,
    readonly samples: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<PcmFile> {
    const size = (await stat(path)).size;
    return new PcmFile(path, Math.floor(size / BYTES_PER_SAMPLE), await open(path, 'r'));
  }

  get duration(): number {
    return this.samples / SAMPLE_RATE;
  }

  /** Samples [first, last) by index, clamped to the file. */
  async readSamples(first: number, last: number): Promise<Int16Array> {
    const a = Math.max(0, Math.min(this.samples, first));
    const b = Math.max(a, Math.min(this.samples, last));
    const buf = Buffer.alloc((b - a) * BYTES_PER_SAMPLE);
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.handle.read(buf, done, buf.length - done, a * BYTES_PER_SAMPLE + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return new Int16Array(buf.buffer, buf.byteOffset, done / BYTES_PER_SAMPLE);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Full scale of 16-bit samples: int16 `s` is the float `s / INT16_SCALE` in [-1, 1). */
export const INT16_SCALE = 32768;

/** 16-bit samples as floats in [-1, 1): the one conversion every stage uses. */
export function toFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / INT16_SCALE;
  return out;
}

/** A canonical 44-byte WAV header for 16 kHz mono s16le data of `dataBytes` bytes. */
export function wavHeader(dataBytes: number, sampleRate = SAMPLE_RATE): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * BYTES_PER_SAMPLE, 28);
  h.writeUInt16LE(BYTES_PER_SAMPLE, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
