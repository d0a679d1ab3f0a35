/**
 * Independent readers for the subtitle tests: ffmpeg's SubRip and WebVTT demuxers (as a child process) and the
 * subsrt-ts parser, so our files are checked by code that did not write them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import subsrt from 'subsrt-ts';
import { CUE_LINE_CHARS, CUE_MAX_LINES, type Cue } from '../../../job/writers/cues.js';

export interface ParsedCue {
  start: number;
  end: number;
  text: string;
  content: string;
}

/** Runs ffmpeg on the subtitle file and converts it to `to`; returns exit code, output and stderr. */
export async function ffmpegConvert(content: string, ext: 'srt' | 'vtt', to: 'srt' | 'webvtt'): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'jdr-subs-'));
  try {
    const path = join(dir, `transcript.${ext}`);
    await writeFile(path, content, 'utf8');
    return await new Promise((resolve, reject) => {
      execFile('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-f', to, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** subsrt-ts's reading of the file: caption cues only, times in ms. */
export function parseSubtitles(content: string, format: 'srt' | 'vtt'): ParsedCue[] {
  return subsrt
    .parse(content, { format, eol: '\n' })
    .flatMap((c) => (c.type === 'caption' ? [{ start: c.start, end: c.end, text: c.text, content: c.content }] : []));
}

/** The invariants every cue list must keep, whatever the input. */
export function assertPlayable(cues: readonly Cue[]): void {
  cues.forEach((cue, i) => {
    assert.ok(cue.endMs > cue.startMs, `cue ${i + 1} ends after it starts`);
    assert.ok(cue.lines.length >= 1 && cue.lines.length <= CUE_MAX_LINES, `cue ${i + 1} has 1..${CUE_MAX_LINES} lines`);
    const shown = cue.label ? [`${cue.label}: ${cue.lines[0]}`, ...cue.lines.slice(1)] : cue.lines;
    for (const line of shown) {
      assert.ok([...line].length <= CUE_LINE_CHARS, `cue ${i + 1}: "${line}" fits ${CUE_LINE_CHARS} characters`);
      assert.ok(line.trim() === line && line.length > 0 && !/\n/.test(line), `cue ${i + 1}: clean line "${line}"`);
    }
    const next = cues[i + 1];
    if (next) assert.ok(next.startMs >= cue.endMs, `cue ${i + 2} starts after cue ${i + 1} ends`);
  });
}

