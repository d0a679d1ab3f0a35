/**
 * The pure parts of multitrack sessions: Craig's info.txt and file names, track labels, names from context.yaml,
 * the mode and track plan, speech-only audio and its map back to the timeline, and the bleed rule on energy frames.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionContext } from '../../../lib/contracts/context.js';
import { condensedRegions, condensePlan, regionsToSession, segmentsToSession, toSessionTime } from '../../../job/audio/condense.js';
import { soundRegions } from '../../../job/tracks/sound.js';
import type { FetchedFile } from '../../../job/stages/fetch.js';
import { BLEED_FRAME_SECONDS, separateBleed } from '../../../job/tracks/bleed.js';
import { craigFileUser, craigTrackFile, parseCraigInfo } from '../../../job/tracks/craig.js';
import { matchKey, trackIdentity } from '../../../job/tracks/labels.js';
import { nameTracks } from '../../../job/tracks/names.js';
import { planTracks } from '../../../job/tracks/plan.js';

const INFO = [
  'Recording AbC123',
  '',
  'Guild:\t\tLa Table (1)',
  'Start time:\t2026-11-28T19:00:00.000Z',
  '',
  'Tracks:',
  '\tCamille (camille_mj) (111)',
  '\thugo#4321 (222)',
  '\tLéa Dupont (léa.d) (333)',
  '',
  'Notes:',
  '\t0:12:34: le dragon se réveille',
  '\t1:02:03: pause \\"pizza\\" \\\\ fin',
  '',
].join('\r\n');

describe('Craig', () => {
  it('reads info.txt: recording, start, tracks in order, notes with their time and escapes', () => {
    const info = parseCraigInfo(`\uFEFF${INFO}`)!;
    assert.equal(info.recording, 'AbC123');
    assert.equal(info.startTime, '2026-11-28T19:00:00.000Z');
    assert.deepEqual(info.tracks, [
      { index: 1, globalName: 'Camille', username: 'camille_mj', discordId: '111' },
      { index: 2, username: 'hugo#4321', discordId: '222' },
      { index: 3, globalName: 'Léa Dupont', username: 'léa.d', discordId: '333' },
    ]);
    assert.deepEqual(info.notes, [
      { time: 754, text: 'le dragon se réveille' },
      { time: 3723, text: 'pause "pizza" \\ fin' },
    ]);
    assert.equal(parseCraigInfo('Just some notes\nabout the session'), undefined, 'no Tracks: list, not Craig\'s');
  });

  it('reads its file names, with the leading zero from 10 tracks on and the _0 suffix', () => {
    assert.deepEqual(craigTrackFile('3-alice_0.flac'), { index: 3, user: 'alice' });
    assert.deepEqual(craigTrackFile('craig.zip/07-l_a_d.ogg'), { index: 7, user: 'l_a_d' });
    assert.deepEqual(craigTrackFile('12-Bob.m4a'), { index: 12, user: 'Bob' });
    assert.equal(craigTrackFile('session-part1.flac'), undefined);
    assert.equal(craigTrackFile('3-alice.flac.txt.bak'), undefined);
    assert.equal(craigFileUser('léa.d#12'), 'l_a_d_12');
    assert.equal(craigFileUser('hugo#4321'), 'hugo_4321');
  });
});

describe('track labels', () => {
  it('come from Craig\'s info line, else the recorder\'s way of naming files', () => {
    const craig = { index: 1, globalName: 'Camille', username: 'camille.mj', discordId: '111' };
    assert.deepEqual(trackIdentity('1-camille_mj.flac', { craig }), { label: 'Camille', aliases: ['Camille', 'camille.mj', 'camille_mj', '111'], origin: 'craig-info' });
    assert.equal(trackIdentity('3-alice_0.flac').label, 'alice');
    assert.equal(trackIdentity('zoom/audioAlice12345.m4a').label, 'Alice');
    assert.equal(trackIdentity('Session_Tr1.wav').label, 'Tr1');
    assert.equal(trackIdentity('TASCAM_0001_2.wav').label, 'Track 2');
    assert.equal(trackIdentity('mics.wav', { part: 3 }).label, 'mics.wav #3');
    assert.equal(trackIdentity('Bob micro.flac').label, 'Bob micro');
  });

  it('are compared without case, accents or punctuation', () => {
    assert.equal(matchKey('Léa_B'), matchKey('lea b'));
    assert.notEqual(matchKey('Léa'), matchKey('Leo'));
  });
});

describe('names for tracks', () => {
  const tracks = [
    { file: '1-camille_mj.flac', identity: trackIdentity('1-camille_mj.flac', { craig: { index: 1, globalName: 'Camille', username: 'camille_mj', discordId: '111' } }) },
    { file: '2-hugo_4321.flac', identity: trackIdentity('2-hugo_4321.flac', { craig: { index: 2, username: 'hugo#4321', discordId: '222' } }) },
    { file: '3-lea.flac', identity: trackIdentity('3-lea.flac') },
    { file: '4-zoe.flac', identity: trackIdentity('4-zoe.flac') },
  ];

  it('a speaker takes a track by id, name, nickname or tracks: entry; overrides last; unnamed tracks get a suggestion', () => {
    const { context } = parseSessionContext(
      'speakers:\n  - { id: mj, name: Camille la MJ, tracks: ["111"] }\n  - { id: hugo, nicknames: [HUGO#4321] }\n  - { id: Léa, name: Léa B. }\noverrides:\n  speakers: { lea: Léa la barde }\n',
    );
    const { names, warnings, suggestions } = nameTracks(tracks, context);
    assert.deepEqual(names, [
      { name: 'Camille la MJ', source: 'context', speakerId: 'mj' },
      { name: 'hugo', source: 'context', speakerId: 'hugo' },
      { name: 'Léa la barde', source: 'override' },
      { name: 'zoe', source: 'label' },
    ]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(suggestions, ['  - { id: zoe, name: "zoe", tracks: [zoe] }   # 4-zoe.flac']);
  });

  it('two tracks claiming one speaker: both carry the name, and a warning names the files', () => {
    const { context } = parseSessionContext('speakers:\n  - { id: mj, tracks: [camille_mj, lea] }\n');
    const { names, warnings } = nameTracks(tracks, context);
    assert.deepEqual(names.map((n) => n.name), ['mj', 'hugo#4321', 'mj', 'zoe']);
    assert.deepEqual(warnings, ['context.yaml speaker mj matches 2 tracks (1-camille_mj.flac, 3-lea.flac): their lines all carry that name; give each player a tracks: entry of their own if they are different people']);
  });
});

function file(name: string, probe: Partial<FetchedFile['probe']> = {}): FetchedFile {
  const channels = probe.channels ?? 1;
  return { name, localPath: `/tmp/${name}`, probe: { duration: 60, format: 'flac', codec: 'flac', channels, sampleRate: 48000, streams: [{ codec: 'flac', channels, duration: 60 }], ...probe } };
}

describe('the mode and the tracks', () => {
  const auto = { mode: 'auto' as const, offsets: {} };

  it('auto: multitrack for an info.txt with tracks or a Craig zip, mixed otherwise; asked for, as asked', () => {
    const craigFiles = [file('1-camille_mj.flac'), file('2-hugo_4321.flac')];
    const byInfo = planTracks(craigFiles, [{ name: 'info.txt', text: INFO }], [], auto);
    assert.equal(byInfo.mode, 'multitrack');
    assert.match(byInfo.reason, /^info\.txt lists the 3 tracks of a Craig recording/);
    assert.deepEqual(byInfo.markers.map((m) => m.time), [754, 3723]);
    const zipped = [file('craig-x.flac.zip/1-camille_mj.flac'), file('craig-x.flac.zip/2-bob.flac')];
    assert.equal(planTracks(zipped, [], ['craig-x.flac.zip'], auto).mode, 'multitrack');
    assert.equal(planTracks([file('archive.zip/1-camille_mj.flac')], [], ['archive.zip'], auto).mode, 'mixed', 'not named like Craig\'s');
    assert.equal(planTracks([...zipped, file('craig-x.flac.zip/notes.m4a')], [], ['craig-x.flac.zip'], auto).mode, 'mixed', 'not only Craig tracks');
    const parts = planTracks([file('part1.m4a'), file('part2.m4a')], [{ name: 'info.txt', text: 'no tracks here' }], [], auto);
    assert.equal(parts.mode, 'mixed');
    assert.match(parts.other, /set mode: multitrack in _READY/);
    assert.equal(planTracks(craigFiles, [{ name: 'info.txt', text: INFO }], [], { mode: 'mixed', offsets: {} }).mode, 'mixed');
    assert.equal(planTracks([file('part1.m4a')], [], [], { mode: 'multitrack', offsets: {} }).tracks.length, 1);
  });

  it('streams and channels: several streams are tracks; several channels only for a lone file; a stereo file among others is one track', () => {
    const multitrack = { mode: 'multitrack' as const, offsets: {} };
    const obs = planTracks([file('obs.mkv', { streams: [{ codec: 'aac', channels: 2, duration: 60 }, { codec: 'aac', channels: 1, duration: 60 }] })], [], [], multitrack);
    assert.deepEqual(obs.tracks.map((t) => [t.display, t.stream, t.channel]), [['obs.mkv #1', 0, undefined], ['obs.mkv #2', 1, undefined]]);
    const rec = planTracks([file('rec.wav', { channels: 4 })], [], [], multitrack);
    assert.deepEqual(rec.tracks.map((t) => [t.display, t.channel]), [['rec.wav #1', 0], ['rec.wav #2', 1], ['rec.wav #3', 2], ['rec.wav #4', 3]]);
    const several = planTracks([file('alice.wav', { channels: 2 }), file('bob.wav', { channels: 2 })], [], [], multitrack);
    assert.deepEqual(several.tracks.map((t) => [t.display, t.channel]), [['alice.wav', undefined], ['bob.wav', undefined]]);
  });

  it('info.txt and the files disagreeing: the files win, and warnings say what did not match; offsets by name', () => {
    const files = [file('1-camille_mj.flac'), file('2-mallory.flac'), file('4-extra.flac')];
    const plan = planTracks(files, [{ name: 'info.txt', text: INFO }, { name: 'old/info.txt', text: INFO }], [], { mode: 'auto', offsets: { '2-mallory.flac': 1.5, 'gone.wav': 3 } });
    assert.deepEqual(plan.tracks.map((t) => t.identity.label), ['Camille', 'mallory', 'extra']);
    assert.deepEqual(plan.tracks.map((t) => t.offset), [0, 1.5, 0]);
    assert.deepEqual(plan.warnings, [
      '2 info.txt files list tracks; info.txt was used, old/info.txt ignored',
      'info.txt lists track 2 as hugo#4321, but the file is 2-mallory.flac: it is named after its file',
      'info.txt lists 3 tracks, not track 4: 4-extra.flac is named after its file',
      'info.txt lists track 3 (Léa Dupont) but no recording of it was found: check that the zip is complete',
      'An offset was given for gone.wav, which is not one of the tracks: it was ignored',
    ]);
  });
});

describe('speech-only audio', () => {
  const regions = [
    { start: 10, end: 12 },
    { start: 12.2, end: 13 },
    { start: 100, end: 101.5 },
  ];

  it('lays speech end to end with 0.3 s between pieces (closer regions keep their silence), and maps times back', () => {
    const plan = condensePlan(regions);
    assert.deepEqual(plan.pieces, [
      { at: 0, start: 10, end: 13 },
      { at: 3.3, start: 100, end: 101.5 },
    ]);
    assert.equal(plan.duration, 4.8);
    assert.deepEqual(condensedRegions(plan), [{ start: 0, end: 3 }, { start: 3.3, end: 4.8 }]);
    assert.equal(toSessionTime(plan, 0.5), 10.5);
    assert.equal(toSessionTime(plan, 3.15), 13, 'a time in the gap: the end of the piece before');
    assert.equal(toSessionTime(plan, 4), 100.7);
  });

  it('splits a segment that spans pieces at its words, so no line bridges the minutes between them', () => {
    const plan = condensePlan(regions);
    const words = [
      { text: 'on', start: 2.5, end: 2.8 },
      { text: 'y', start: 2.8, end: 2.95 },
      { text: 'va', start: 3.35, end: 3.6 },
    ];
    const out = segmentsToSession([{ start: 2.5, end: 3.6, text: 'on y va', words }], plan);
    assert.deepEqual(out.map((s) => [s.start, s.end, s.text]), [[12.5, 12.95, 'on y'], [100.05, 100.3, 'va']]);
    assert.deepEqual(out[1]!.words!.map((w) => [w.start, w.end]), [[100.05, 100.3]]);
    const wordless = segmentsToSession([{ start: 2.9, end: 4.5, text: 'hmm' }], plan);
    assert.deepEqual(wordless.map((s) => [s.start, s.end]), [[100, 101.2]], 'to the piece holding most of it');
  });
});

describe('sound on a track', () => {
  it('is where frames rise above digital silence (bridged up to 1 s, padded 0.5 s); the VAD\'s regions on it map back', () => {
    const e = new Float32Array(1000).fill(-100);
    e.fill(-30, 100, 150); // 3.2-4.8 s
    e.fill(-65, 170, 180); // 5.44-5.76 s: 0.64 s later, bridged
    e.fill(-75, 400, 500); // below the floor: nothing
    e.fill(-40, 800, 810); // 25.6-25.92 s
    assert.deepEqual(soundRegions(e), [{ start: 2.7, end: 6.26 }, { start: 25.1, end: 26.42 }]);
    const plan = condensePlan(soundRegions(e));
    assert.deepEqual(plan.pieces, [{ at: 0, start: 2.7, end: 6.26 }, { at: 3.86, start: 25.1, end: 26.42 }]);
    assert.deepEqual(regionsToSession(plan, [{ start: 0.5, end: 1 }, { start: 3.9, end: 4.5 }]), [{ start: 3.2, end: 3.7 }, { start: 25.14, end: 25.74 }]);
    // A region across the gap between two pieces is cut at both.
    assert.deepEqual(regionsToSession(plan, [{ start: 3, end: 3.9 }]), [{ start: 5.7, end: 6.26 }, { start: 25.1, end: 25.14 }]);
  });
});

describe('bleed', () => {
  /** Energy frames: `loud` dB where the person speaks, silence elsewhere; `copy` adds another person's at a level. */
  function energies(frames: number, own: Array<[number, number]>, copies: Array<{ from: Array<[number, number]>; db: number; delay?: number }> = []): Float32Array {
    const e = new Float32Array(frames).fill(-100);
    const power = (db: number) => 10 ** (db / 10);
    for (const [a, b] of own) for (let f = a; f < b; f++) e[f] = -20 + 6 * Math.sin(f);
    for (const c of copies) {
      for (const [a, b] of c.from) {
        for (let f = a; f < b; f++) {
          const g = f + (c.delay ?? 0);
          if (g < frames) e[g] = 10 * Math.log10(power(e[g]!) + power(-20 + 6 * Math.sin(f) + c.db));
        }
      }
    }
    return e;
  }
  const seconds = (frames: Array<[number, number]>) => frames.map(([a, b]) => ({ start: a * BLEED_FRAME_SECONDS, end: b * BLEED_FRAME_SECONDS }));
  const kept = (r: { kept: Array<{ start: number; end: number }> }) => r.kept.reduce((n, k) => n + k.end - k.start, 0);

  const A: Array<[number, number]> = [[100, 200], [400, 500], [700, 760]];
  const B: Array<[number, number]> = [[250, 350], [550, 650], [740, 800]];

  it('drops the other person\'s voice on each track (a mic\'s bleed at -12 dB) and keeps both lines where they overlap', () => {
    const frames = 900;
    const a = energies(frames, A, [{ from: B, db: -12 }]);
    const b = energies(frames, B, [{ from: A, db: -12 }]);
    // Each VAD hears its own person and the other one's bleed.
    const both = seconds([[100, 200], [250, 350], [400, 500], [550, 650], [700, 800]]);
    const [ra, rb] = separateBleed([{ energies: a, regions: both }, { energies: b, regions: both }]);
    const ownA = seconds(A).reduce((n, r) => n + r.end - r.start, 0);
    assert.ok(Math.abs(kept(ra!) - ownA) < 0.5, `A kept ${kept(ra!)} s of its ${ownA} s`);
    assert.ok(ra!.kept.every((k) => seconds(A).some((r) => k.start < r.end + 0.2 && k.end > r.start - 0.2)), JSON.stringify(ra!.kept));
    assert.ok(rb!.kept.every((k) => seconds(B).some((r) => k.start < r.end + 0.2 && k.end > r.start - 0.2)), JSON.stringify(rb!.kept));
    // 740-760: both talk; each keeps it.
    const overlap = { start: 740 * BLEED_FRAME_SECONDS, end: 760 * BLEED_FRAME_SECONDS };
    for (const r of [ra!, rb!]) assert.ok(r.kept.some((k) => k.start <= overlap.start + 0.05 && k.end >= overlap.end - 0.05), JSON.stringify(r.kept));
    assert.ok(Math.abs(ra!.couplingDb[1]! - -12) < 1.5, `coupling ${ra!.couplingDb[1]}`);
    assert.ok(ra!.bleedSeconds > 5);
  });

  it('drops an echo that comes 200 ms late, whatever each mic\'s gain', () => {
    const frames = 900;
    const delay = 6;
    // B's mic is 8 dB quieter; each echo is 10 dB below the track it comes from.
    const a = energies(frames, A, [{ from: B, db: -18, delay }]);
    const b = energies(frames, B, [{ from: A, db: -10, delay }]).map((v) => (v > -100 ? v - 8 : v));
    const regions = seconds([[100, 210], [250, 360], [400, 510], [550, 660], [700, 810]]);
    const [ra, rb] = separateBleed([{ energies: a, regions }, { energies: Float32Array.from(b), regions }]);
    assert.equal(ra!.delayFrames[1], delay);
    assert.ok(ra!.kept.every((k) => seconds(A).some((r) => k.start < r.end + 0.2 && k.end > r.start - 0.2)), JSON.stringify(ra!.kept));
    assert.ok(rb!.kept.every((k) => seconds(B).some((r) => k.start < r.end + 0.2 && k.end > r.start - 0.2)), JSON.stringify(rb!.kept));
    assert.ok(kept(rb!) > 0.9 * seconds(B).reduce((n, r) => n + r.end - r.start, 0));
  });

  it('keeps everything of tracks that hear nobody else (Craig: silence between a user\'s words)', () => {
    const frames = 900;
    const [ra, rb] = separateBleed([
      { energies: energies(frames, A), regions: seconds(A) },
      { energies: energies(frames, B), regions: seconds(B) },
    ]);
    assert.ok(Math.abs(kept(ra!) - seconds(A).reduce((n, r) => n + r.end - r.start, 0)) < 0.1);
    assert.ok(Math.abs(kept(rb!) - seconds(B).reduce((n, r) => n + r.end - r.start, 0)) < 0.1);
  });
});
