import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { FfmpegTools } from '../engines/ffmpeg.js';

/**
 * Decodes a voice sample to 16 kHz mono floats with ffmpeg. Returns the error instead of throwing: a bad sample is a
 * warning for the report, not a reason to stop the run. Only the first `maxSeconds` are read — a sample is a few
 * seconds of one voice, and a whole recording passed by mistake must not fill the memory.
 */
export async function readVoiceSample(tools: FfmpegTools, path: string, maxSeconds = 120): Promise<Float32Array | Error> {
  try {
    await access(path);
  } catch (err) {
    return err as Error;
  }
  return new Promise((resolve) => {
    const args = ['-nostdin', '-v', 'error', '-i', path, '-t', String(maxSeconds), '-f', 's16le', '-ac', '1', '-ar', '16000', '-'];
    const child = spawn(tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4000) stderr += c.toString();
    });
    child.on('error', (err) => resolve(new Error(`cannot run ${tools.ffmpeg}: ${err.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        resolve(new Error(stderr.trim().split('\n')[0] || `ffmpeg exited with ${code}`));
        return;
      }
      const pcm = Buffer.concat(chunks);
      const out = new Float32Array(Math.floor(pcm.length / 2));
      for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(2 * i) / 32768;
      resolve(out);
    });
  });
}
