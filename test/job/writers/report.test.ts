import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReport, longestLines, SPEAKER_LINE_CHARS, type Report, type ReportFacts } from '../../../job/report.js';
import { renderReportJson, renderReportMarkdown } from '../../../job/writers/report.js';
import { sampleTranscript } from './fixture.js';

const FACTS: ReportFacts = {
  runId: 'run-20240503-2105-ab12',
  createdAt: new Date('2024-05-03T21:05:00Z'),
  inputUri: "gs://jdr-input/sessions/2024-05-03 Campagne d'Éther/",
  outputUri: "gs://jdr-output/sessions/2024-05-03 Campagne d'Éther/run-20240503-2105-ab12/",
  wallSeconds: 1243.5,
  stages: [
    { stage: 'fetch', seconds: 12.25 },
    { stage: 'decode', seconds: 40.1 },
    { stage: 'asr', seconds: 1100.4 },
  ],
  skipped: [
    { name: 'notes.txt', reason: 'not an audio file' },
    { name: 'partie-3.m4a', reason: 'not readable audio (ffprobe: moov atom not found)' },
  ],
  warnings: ['context.yaml: unknown key "speakres" (did you mean "speakers"?)'],
  languages: [
    { chunk: 0, start: 0, end: 1800, language: 'fr' },
    { chunk: 1, start: 1800, end: 2400, language: 'en' },
    { chunk: 2, start: 2400, end: 3730.5, language: 'fr' },
  ],
  voiceSampleProblems: ['voices/bob.wav: 1.2 s of speech, need at least 5 s'],
  glossaryReplacements: { Kartor: 3, 'Poney Fringant': 1 },
};

describe('report', () => {
  const report = buildReport(sampleTranscript(), FACTS);
  const md = renderReportMarkdown(report);

  it('gathers the run facts and the transcript statistics', () => {
    assert.equal(report.audioSeconds, 3730.5);
    assert.equal(report.realTimeFactor, 3);
    assert.equal(report.segments.count, 11);
    assert.equal(report.segments.words, sampleTranscript().segments.reduce((n, s) => n + s.text.split(/\s+/).length, 0));
    assert.deepEqual(report.speakers.map((s) => [s.name, s.sharePercent]), [['SPK3', 39.4], ['Bob Le Barde', 38.8], ['Alice', 21.8]]);
    assert.deepEqual(report.unmatchedClusters, ['SPK3']);
    assert.deepEqual(report.engines, sampleTranscript().model);
  });

  it('shows a speaker without a name with their longest lines, so that a player can tell who it is', () => {
    const spk3 = report.speakers.find((x) => x.cluster === 'SPK3')!;
    assert.deepEqual(spk3.lines!.map((l) => [l.start, l.end]), [[9.2, 40], [80, 80.05]]);
    assert.ok(spk3.lines![0]!.text.length <= SPEAKER_LINE_CHARS + 1);
    assert.ok(spk3.lines![0]!.text.endsWith(' une ballade…'), 'a long line is cut after a whole word');
    assert.ok(spk3.lines![0]!.text.startsWith("Vous entrez dans la taverne du Poney Fringant"));
    assert.ok(report.speakers.filter((x) => x.cluster !== 'SPK3').every((x) => x.lines === undefined), 'named speakers need none');
    assert.match(md, /- SPK3 \(0:00:31 of talk\): add a voice sample for this person, or name them in context\.yaml under `overrides\.speakers\.SPK3`\. Their longest lines, to tell who it is:\n  - 0:00:09 Vous entrez dans la taverne du Poney Fringant.*…\n  - 0:01:20 Ok\.\n/);
  });

  it('points a speaker without a name to their voice clip, and says what to do with it', () => {
    const withClip = buildReport(sampleTranscript(), { ...FACTS, voiceClips: { SPK3: 'voice-SPK3.opus', SPK1: 'voice-SPK1.opus' } });
    assert.equal(withClip.speakers.find((x) => x.cluster === 'SPK3')!.clip, 'voice-SPK3.opus');
    assert.equal(withClip.speakers.find((x) => x.cluster === 'SPK1')!.clip, undefined, 'a named speaker has no clip to show');
    assert.equal(report.speakers.find((x) => x.cluster === 'SPK3')!.clip, undefined, 'none cut, none shown');
    assert.match(
      renderReportMarkdown(withClip),
      /  - 0:01:20 Ok\.\n  - Their voice from this session is in `voice-SPK3\.opus` \(beside this report, and in the zip\): put it in context\/voices\/ and list it under their name in context\.yaml \(`voice_samples: \[voices\/voice-SPK3\.opus\]`\), and the next session names them by it\.\n/,
    );
    assert.doesNotMatch(md, /Their voice from this session/);
  });

  it('longestLines: the three longest, in time order; blank lines left out', () => {
    const seg = (start: number, end: number, text: string, speaker = 'SPK2') => ({ start, end, text, speaker });
    const lines = longestLines([seg(0, 1, 'a'), seg(2, 6, 'b'), seg(7, 7.5, 'c'), seg(8, 11, 'd'), seg(12, 20, '   '), seg(21, 29, 'e'), seg(24, 40, 'f', 'SPK1')], 'SPK2');
    assert.deepEqual(lines.map((l) => l.text), ['b', 'd', 'e']);
  });

  it('lists passages below -1 mean log-probability with their times', () => {
    assert.deepEqual(
      report.segments.lowConfidence.map((p) => [p.start, p.end, p.speaker, p.avgLogprob]),
      [[45, 47, undefined, -1.42], [80, 80.05, 'SPK3', -1.05]],
    );
    assert.match(md, /\| 0:00:45–0:00:47 \| — \| Euh… attendez, quoi \? \| -1\.42 \|/);
  });

  it('puts the summary first, then what needs attention, then the details', () => {
    const order = ['# QA report', '1:02:11 of audio from 2 recordings', '## Needs attention', '### Skipped files', '### Warnings', '### Doubtful passages', '### Speakers without a name', '### Voice samples', '## Details', '### Speakers\n', '### Stages'];
    const positions = order.map((s) => md.indexOf(s));
    for (const [i, p] of positions.entries()) assert.ok(p >= 0, `"${order[i]}" is in the report`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    assert.match(md, /3× real time/);
  });

  it('names every skipped file with its reason, and every warning', () => {
    assert.match(md, /- `notes\.txt`: not an audio file/);
    assert.match(md, /- `partie-3\.m4a`: not readable audio \(ffprobe: moov atom not found\)/);
    assert.match(md, /- context\.yaml: unknown key "speakres" \(did you mean "speakers"\?\)/);
    assert.match(md, /- voices\/bob\.wav: 1\.2 s of speech, need at least 5 s/);
    assert.match(md, /SPK3 \(0:00:31 of talk\): add a voice sample .*`overrides\.speakers\.SPK3`/);
  });

  it('shows languages, glossary corrections and stage timings', () => {
    assert.match(md, /Languages: fr 84 %, en 16 %/);
    assert.match(md, /Kartor ×3, Poney Fringant ×1/);
    assert.match(md, /\| asr \| 1100\.4 \|/);
  });

  it('says when nothing needs attention', () => {
    const t = sampleTranscript();
    const clean = buildReport(
      { ...t, segments: t.segments.map(({ avgLogprob: _, ...s }) => s), speakers: t.speakers.filter((s) => s.source !== 'unmatched') },
      { ...FACTS, skipped: [], warnings: [], voiceSampleProblems: [] },
    );
    assert.match(renderReportMarkdown(clean), /## Needs attention\n\nNothing: /);
  });

  it('bounds its warnings: report.json keeps 100 and counts the rest, report.md lists 20 then points to the JSON', () => {
    const many = Array.from({ length: 90_302 }, (_, i) => `ctx.yaml: unknown key "junk${i}" was ignored`);
    const r = buildReport(sampleTranscript(), { ...FACTS, warnings: many });
    assert.equal(r.warnings.length, 101);
    assert.equal(r.warnings.at(-1), '… and 90202 more warnings');
    const md = renderReportMarkdown(r);
    assert.equal((md.match(/unknown key "junk/g) ?? []).length, 20);
    assert.match(md, /- … and 81 more, listed in report\.json\./);
    assert.ok(renderReportJson(r).length < 20_000, 'a report stays small whatever the input');
  });

  it('round-trips as JSON', () => {
    const back = JSON.parse(renderReportJson(report)) as Report;
    assert.deepEqual(back, JSON.parse(JSON.stringify(report)));
    assert.equal(back.createdAt, '2024-05-03T21:05:00.000Z');
    assert.equal(back.skipped.length, 2);
  });
});
