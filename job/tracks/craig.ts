/**
 * What Craig (the Discord recording bot, github.com/CraigChat/craig) puts beside its tracks: `info.txt`, written by
 * cook/recinfo.js and cook/extnotes.c, CRLF line ends:
 *
 *   Recording abc123
 *
 *   Guild:		Our Table (1234)
 *   Channel:	voice (5678)
 *   Requester:	Camille (camille_mj) (1111)
 *   Start time:	2024-05-12T19:00:00.000Z
 *
 *   Tracks:
 *   	Camille (camille_mj) (1111)        one line per track, in track order: "GlobalName (username) (id)",
 *   	hugo#4321 (2222)                    or "username (id)" for users without a global name
 *
 *   Notes:
 *   	0:12:34: the dragon wakes up       /note lines, H:MM:SS from the start; \n, \r, \", \\ escaped
 *
 * and names each track `<n>-<user>.<ext>`: n from 1 (with a leading zero from 10 tracks on), every character of the
 * username outside a-z, A-Z, 0-9 turned into `_`, often a `_0` suffix. Pure.
 */
export interface CraigTrack {
  /** 1-based, in the order of the Tracks: list and of the files' numbers. */
  index: number;
  globalName?: string;
  username: string;
  discordId?: string;
}

export interface CraigNote {
  /** Seconds from the start of the recording (all tracks start together). */
  time: number;
  text: string;
}

export interface CraigInfo {
  recording?: string;
  startTime?: string;
  tracks: CraigTrack[];
  notes: CraigNote[];
}

/** At most this many tracks and notes are read: a Discord voice channel holds at most 99 users. */
const MAX_TRACKS = 200;
const MAX_NOTES = 5000;

/** The parsed file, or undefined when it has no `Tracks:` list (then it is not Craig's). */
export function parseCraigInfo(text: string): CraigInfo | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const info: CraigInfo = { tracks: [], notes: [] };
  let section: 'head' | 'tracks' | 'notes' = 'head';
  let sawTracks = false;
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '');
    if (/^Tracks:$/.test(line)) {
      section = 'tracks';
      sawTracks = true;
      continue;
    }
    if (/^Notes:$/.test(line)) {
      section = 'notes';
      continue;
    }
    if (section === 'head') {
      const recording = /^Recording\s+(\S+)/.exec(line);
      if (recording) info.recording = recording[1];
      const start = /^Start time:\s*(.+)$/.exec(line);
      if (start) info.startTime = start[1]!.trim();
      continue;
    }
    if (!/^\s/.test(raw) || line.trim() === '') {
      if (line.trim() !== '') section = 'head';
      continue;
    }
    if (section === 'tracks' && info.tracks.length < MAX_TRACKS) {
      info.tracks.push({ index: info.tracks.length + 1, ...parseUser(line.trim()) });
    } else if (section === 'notes' && info.notes.length < MAX_NOTES) {
      const note = /^(\d+):(\d{2}):(\d{2}):\s?(.*)$/.exec(line.trim());
      if (note) info.notes.push({ time: Number(note[1]) * 3600 + Number(note[2]) * 60 + Number(note[3]), text: unescapeNote(note[4]!) });
    }
  }
  return sawTracks ? info : undefined;
}

/** "GlobalName (username) (id)" or "username (id)" (the username may be "name#1234"). */
function parseUser(text: string): Omit<CraigTrack, 'index'> {
  let rest = text;
  let discordId: string | undefined;
  const id = /^(.*?)\s*\((\d+)\)$/.exec(rest);
  if (id) {
    rest = id[1]!;
    discordId = id[2];
  }
  const named = /^(.*?)\s*\(([^()]+)\)$/.exec(rest);
  if (named && named[1]!.trim()) return { globalName: named[1]!.trim(), username: named[2]!.trim(), ...(discordId ? { discordId } : {}) };
  return { username: rest.trim(), ...(discordId ? { discordId } : {}) };
}

function unescapeNote(text: string): string {
  return text.replace(/\\(n|r|"|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '' : c)).trim();
}

/** `03-alice_0.flac` → track 3 of user "alice"; undefined for a name Craig would not give. */
export function craigTrackFile(fileName: string): { index: number; user: string } | undefined {
  const base = fileName.split('/').pop() ?? fileName;
  const match = /^(\d{1,3})-([A-Za-z0-9_]+?)(?:_\d+)?\.[A-Za-z0-9]+$/.exec(base);
  if (!match) return undefined;
  return { index: Number(match[1]), user: match[2]! };
}

/** Craig's own sanitising of a username for its file names. */
export function craigFileUser(username: string): string {
  return username.replace(/[^a-zA-Z0-9]/g, '_');
}
