import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage } from '../../lib/errors.js';
import { clipCluster, clipFileName } from '../../lib/contracts/session.js';
import { clipSpans, MAX_CLIPS } from '../diarize/clips.js';
import type { Turn } from '../diarize/turns.js';
import { cutClip, type FfmpegTools } from '../engines/ffmpeg.js';
import type { SpeakerSummary } from '../transcript.js';

/**
 * Voice clips for the speakers left without a name (job/diarize/clips.ts), cut from the listening copy into the
 * output folder: `voice-SPK4.opus` beside the transcript and in the zip. A clip that cannot be cut is a warning,
 * never a failed run; an abort still stops. Cutting again (a retried finish) writes the same files.
 */
export interface VoiceClip {
  cluster: string;
  file: string;
  path: string;
  seconds: number;
}

export async function writeVoiceClips(
  tools: FfmpegTools,
  audio: string,
  turns: readonly Turn[],
  speakers: readonly SpeakerSummary[],
  dir: string,
  signal?: AbortSignal,
): Promise<{ clips: VoiceClip[]; problems: string[] }> {
  // A retried finish starts from what an earlier attempt left: its clips go, so that only this attempt's are uploaded.
  await removeClips(dir);
  // One voice in the whole session: nothing to tell apart, and on a real recording it is often several players heard
  // as one (see job/diarize/roster.ts), whose clip would name them all after one.
  if (speakers.length < 2) return { clips: [], problems: [] };
  const unnamed = speakers.filter((s) => s.source === 'unmatched').sort((a, b) => b.talkSeconds - a.talkSeconds).slice(0, MAX_CLIPS);
  const clips: VoiceClip[] = [];
  const problems: string[] = [];
  if (unnamed.length > 0) await mkdir(dir, { recursive: true });
  for (const s of unnamed) {
    const spans = clipSpans(turns, s.name);
    if (!spans) continue;
    const file = clipFileName(s.cluster);
    const path = join(dir, file);
    try {
      await cutClip(tools, audio, spans, path, { signal });
      clips.push({ cluster: s.cluster, file, path, seconds: spans.reduce((n, x) => n + x.end - x.start, 0) });
    } catch (err) {
      if (err instanceof AbortedError || signal?.aborted) throw err;
      problems.push(`${file} could not be cut (${errorMessage(err)}): ${s.cluster} has no voice clip to name them by; the transcript is complete.`);
    }
  }
  return { clips, problems };
}

async function removeClips(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => clipCluster(n) !== undefined).map((n) => rm(join(dir, n), { force: true })));
}
