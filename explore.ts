import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { FileStore } from './lib/storage/index.js';
import { memoryLogger } from './lib/log.js';
import { ffmpegTools } from './job/engines/ffmpeg.js';
import { SileroVad } from './job/engines/silero-vad.js';
import { silentProgress } from './job/progress.js';
import { runSession } from './job/run.js';
import { SpeechIslandsAsr } from './test/support/scripted-asr.js';
import { diarizationErrorRate, segmentNameAccuracy } from './test/support/der.js';
import { multitrackSession, writeTracks, craigInfo } from './test/support/multitrack-session.js';
import { scratchDir } from './test/support/fixtures.js';
const vad = await SileroVad.create();
for (const [seed, db, echo] of JSON.parse(process.argv[2]!) as Array<[number, number, number]>) {
  const s = await multitrackSession({ seed, seconds: 150, bleedDb: db, leavesEarly: 4, echoMs: echo });
  const dir = join(scratchDir(), `mt-${seed}-${db}-${echo}`);
  await writeTracks(s, dir);
  writeFileSync(join(dir, 'info.txt'), craigInfo(s));
  const out = await runSession({ session: 'mt', runId: 'r', language: { primary: 'fr', secondary: 'en', multi: false }, chunk: { maxSeconds: 900, overlapSeconds: 2 }, vad: { threshold: 0.5 }, beamSize: 1, threads: 1, formats: ['json'], speakers: { min: undefined, max: undefined } },
    { input: new FileStore(dir), output: new FileStore(join(dir, 'out')), asr: new SpeechIslandsAsr(), vad, tools: ffmpegTools(), log: memoryLogger(), progress: silentProgress, workDir: join(dir, 'work') });
  const names = Object.fromEntries(s.people.map((p) => [p.id, p.globalName]));
  const ref = s.truth.map((t) => ({ ...t, speaker: names[t.speaker]! }));
  const dup = out.transcript.segments.filter((g) => !ref.some((r) => r.speaker === g.speaker && r.start < g.end && r.end > g.start));
  console.log(seed, db, echo, 'DER', (diarizationErrorRate(ref, out.transcript.turns!).der * 100).toFixed(2), 'names', (segmentNameAccuracy(ref, out.transcript.segments) * 100).toFixed(1), 'dup', dup.length);
}
