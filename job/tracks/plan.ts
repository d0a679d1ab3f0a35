import type { JobMode } from '../../lib/config/job.js';
import type { FetchedFile, InfoFile } from '../stages/fetch.js';
import { craigFileUser, craigTrackFile, parseCraigInfo, type CraigInfo, type CraigNote } from './craig.js';
import { trackIdentity, type TrackIdentity } from './labels.js';

/**
 * Which mode a session runs in, and its tracks when it is multitrack. Pure.
 *
 * - `mode: multitrack` / `mixed` asked (_READY, --mode, MODE) is obeyed;
 * - auto: multitrack when Craig's `info.txt` lists the tracks, or a zip named `craig-…` holds only Craig-named
 *   tracks; mixed otherwise (the files are consecutive parts of one recording, as before).
 *
 * Tracks: each file is one track (all its channels mixed down); a file with several audio streams (OBS) gives one
 * track per stream; a session of a single file with one stream of several channels (a recorder's one mic per channel)
 * gives one track per channel. Craig's info.txt names its tracks by number; where it and the files disagree, the
 * files win and a warning says what did not match.
 */
export interface TrackSource {
  file: FetchedFile;
  /** Audio stream of the file (0-based among its audio streams). */
  stream: number;
  /** Only this channel of the stream; all channels mixed down when absent. */
  channel?: number;
  /** The file, and the stream or channel when the file holds several tracks: for messages and the report. */
  display: string;
  identity: TrackIdentity;
  /** Where the track starts on the session's timeline, seconds. */
  offset: number;
}

export interface ModeDecision {
  mode: 'mixed' | 'multitrack';
  /** Why, in a sentence for the report. */
  reason: string;
  /** How to get the other mode. */
  other: string;
}

export interface TrackPlan extends ModeDecision {
  tracks: TrackSource[];
  /** Craig's /note lines. */
  markers: CraigNote[];
  warnings: string[];
}

const TO_MIXED = 'To treat the files as consecutive parts of one recording instead, set mode: mixed in _READY (or run with --mode mixed).';
const TO_MULTITRACK = 'If each file is one person\'s track (Craig, Zoom, one mic per player), set mode: multitrack in _READY (or run with --mode multitrack).';

export function planTracks(
  files: readonly FetchedFile[],
  infos: readonly InfoFile[],
  zips: readonly string[],
  settings: { mode: JobMode; offsets: Readonly<Record<string, number>> },
): TrackPlan {
  const warnings: string[] = [];
  const craigInfos = infos.map((i) => ({ name: i.name, info: parseCraigInfo(i.text) })).filter((i): i is { name: string; info: CraigInfo } => i.info !== undefined);
  if (craigInfos.length > 1) warnings.push(`${craigInfos.length} info.txt files list tracks; ${craigInfos[0]!.name} was used, ${craigInfos.slice(1).map((i) => i.name).join(', ')} ignored`);
  const craig = craigInfos[0];
  const decision = decideMode(files, craig, zips, settings.mode);
  if (decision.mode === 'mixed') return { ...decision, tracks: [], markers: [], warnings };

  const tracks: TrackSource[] = [];
  const only = files.length === 1 ? files[0] : undefined;
  for (const file of files) {
    const streams = file.probe.streams.length;
    if (streams > 1) {
      for (let s = 0; s < streams; s++) tracks.push(source(file, { stream: s, display: `${file.name} #${s + 1}`, identity: trackIdentity(file.name, { part: s + 1 }) }));
    } else if (file === only && file.probe.channels > 1) {
      for (let c = 0; c < file.probe.channels; c++) tracks.push(source(file, { stream: 0, channel: c, display: `${file.name} #${c + 1}`, identity: trackIdentity(file.name, { part: c + 1 }) }));
    } else {
      tracks.push(source(file, { stream: 0, display: file.name, identity: trackIdentity(file.name) }));
    }
  }
  if (craig) applyCraigInfo(tracks, craig, warnings);
  applyOffsets(tracks, settings.offsets, warnings);
  return { ...decision, tracks, markers: craig?.info.notes ?? [], warnings };
}

function decideMode(files: readonly FetchedFile[], craig: { name: string; info: CraigInfo } | undefined, zips: readonly string[], asked: JobMode): ModeDecision {
  if (asked === 'multitrack') return { mode: 'multitrack', reason: 'mode: multitrack was asked for: each file (or stream, or channel) is one person\'s track.', other: TO_MIXED };
  if (asked === 'mixed') return { mode: 'mixed', reason: 'mode: mixed was asked for: the files are consecutive parts of one recording.', other: TO_MULTITRACK };
  if (craig) return { mode: 'multitrack', reason: `${craig.name} lists the ${craig.info.tracks.length} tracks of a Craig recording: each track is one person.`, other: TO_MIXED };
  const craigZip = zips.find((zip) => {
    const inside = files.filter((f) => f.name.startsWith(`${zip}/`));
    return /^craig[-_]/i.test(zip.split('/').pop() ?? '') && inside.length > 0 && inside.every((f) => craigTrackFile(f.name) !== undefined);
  });
  if (craigZip) return { mode: 'multitrack', reason: `${craigZip} is a Craig recording (one track per speaker).`, other: TO_MIXED };
  return { mode: 'mixed', reason: 'The files were taken as consecutive parts of one recording (the default).', other: TO_MULTITRACK };
}

function source(file: FetchedFile, rest: Omit<TrackSource, 'file' | 'offset'>): TrackSource {
  return { file, offset: 0, ...rest };
}

/** Craig numbers its files as its Tracks: list; the list's line names the track (global name, username, id). */
function applyCraigInfo(tracks: TrackSource[], craig: { name: string; info: CraigInfo }, warnings: string[]): void {
  const matched = new Set<number>();
  for (const track of tracks) {
    const numbered = craigTrackFile(track.file.name);
    if (!numbered) continue;
    const listed = craig.info.tracks.find((t) => t.index === numbered.index);
    if (!listed) {
      warnings.push(`${craig.name} lists ${craig.info.tracks.length} tracks, not track ${numbered.index}: ${track.display} is named after its file`);
      continue;
    }
    if (craigFileUser(listed.username).toLowerCase() !== numbered.user.toLowerCase() && craigFileUser(listed.username.replace(/#\d+$/, '')).toLowerCase() !== numbered.user.toLowerCase()) {
      warnings.push(`${craig.name} lists track ${numbered.index} as ${listed.username}, but the file is ${track.display}: it is named after its file`);
      continue;
    }
    matched.add(listed.index);
    track.identity = trackIdentity(track.file.name, { craig: listed });
  }
  for (const listed of craig.info.tracks) {
    if (!matched.has(listed.index) && !tracks.some((t) => craigTrackFile(t.file.name)?.index === listed.index)) {
      warnings.push(`${craig.name} lists track ${listed.index} (${listed.globalName ?? listed.username}) but no recording of it was found: check that the zip is complete`);
    }
  }
}

/** Offsets are given by file name: the session's key, or the name inside a zip. */
function applyOffsets(tracks: TrackSource[], offsets: Readonly<Record<string, number>>, warnings: string[]): void {
  for (const [name, seconds] of Object.entries(offsets)) {
    const hits = tracks.filter((t) => t.file.name === name || t.file.name.split('/').pop() === name);
    if (hits.length === 0) warnings.push(`An offset was given for ${name}, which is not one of the tracks: it was ignored`);
    for (const t of hits) t.offset = seconds;
  }
}
