import { craigFileUser, craigTrackFile, type CraigTrack } from './craig.js';

/**
 * What a track is called before any context.yaml names it, from what the recorder left: Craig's info.txt line, else
 * the file's name as recorders write it. Each track also carries the other names it answers to (a Discord username,
 * an id), which context.yaml's `tracks:` and nicknames can match. Pure.
 *
 *   3-alice_0.flac (Craig)            alice (or the info.txt global name)
 *   audioAlice12345.m4a (Zoom)        Alice
 *   Session_Tr1.wav, TASCAM_0001_1    Tr1, Track 1
 *   obs.mkv, stream 2 / mics.wav ch 3 obs.mkv #2, mics.wav #3
 */
export interface TrackIdentity {
  /** Shown when nothing else names the track. */
  label: string;
  /** Every name the track answers to, the label included. */
  aliases: string[];
  /** Where the label comes from: a person's name in Craig's info.txt, or the file's name. */
  origin: 'craig-info' | 'file';
}

export function trackIdentity(fileName: string, options: { craig?: CraigTrack; part?: number } = {}): TrackIdentity {
  const base = fileName.split('/').pop() ?? fileName;
  const stem = base.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  if (options.part !== undefined) return identity(`${base} #${options.part}`, []);
  const craig = options.craig;
  if (craig) {
    const aliases = [craig.username, craigFileUser(craig.username), craig.username.replace(/#\d+$/, ''), ...(craig.discordId ? [craig.discordId] : [])];
    return { ...identity(craig.globalName ?? craig.username, aliases), origin: 'craig-info' };
  }
  const craigFile = craigTrackFile(base);
  if (craigFile) return identity(craigFile.user, []);
  const zoom = /^audio(\D.*?)\d+$/.exec(stem);
  if (zoom) return identity(zoom[1]!, []);
  const tr = /(?:^|[_ -])(Tr\d+)$/i.exec(stem);
  if (tr) return identity(tr[1]!, []);
  const tascam = /^TASCAM_\d+_(\d+)$/i.exec(stem);
  if (tascam) return identity(`Track ${tascam[1]}`, []);
  return identity(stem || base, []);
}

function identity(label: string, more: string[]): TrackIdentity {
  return { label, aliases: [...new Set([label, ...more].filter((a) => a.trim() !== ''))], origin: 'file' };
}

/** How names are compared: case, accents and punctuation ignored ("Léa_B" matches "lea b"). */
export function matchKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}
