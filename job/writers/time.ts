import { roundTo } from '../round.js';

/**
 * Timestamps for the writers. Everything is rounded to whole milliseconds once, here, so that two cues that touch
 * in seconds also touch in the file (rounding each side separately could make them overlap by 1 ms).
 */
export function toMs(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1000));
}

/** Seconds rounded to the millisecond, for JSON and RTTM. */
export function roundMs(seconds: number): number {
  return roundTo(seconds, 3);
}

/** `HH:MM:SS<sep>mmm` from whole milliseconds; hours grow past 99 rather than wrap. */
export function msTimestamp(ms: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const milli = total % 1000;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(milli, 3)}`;
}

/** `[HH:MM:SS]` for plain-text transcripts. */
export function bracketClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `[${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor((s % 3600) / 60), 2)}:${pad(s % 60, 2)}]`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
