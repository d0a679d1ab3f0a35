/**
 * Short replies (issue 9): players answer the game master with "Oui.", "D'accord.", "Okay." — half a second of
 * speech, too little for a voice's statistics — and the diarization must not turn them into speakers of their own.
 * Generated sessions where three lines in ten are such replies, through the real speech detection and the model-free
 * embedder: still four speakers, and the replies mostly carry the right one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmFile } from '../../../job/audio/pcm.js';
import { diarize } from '../../../job/diarize/diarize.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { SileroVad } from '../../../job/engines/silero-vad.js';
import { detectSpeech } from '../../../job/stages/vad.js';
import { diarizationErrorRate } from '../../support/der.js';
import { rpgSession, writeSessionPcm } from '../../support/rpg-session.js';

for (const seed of [1, 2]) {
  test(`short replies are not speakers of their own (3-minute session ${seed}, 3 lines in 10 a reply): 4 speakers, DER <= 5 %`, async (t) => {
    const session = await rpgSession({ seed, seconds: 180, replies: 0.3 });
    const replies = session.truth.filter((l) => l.end - l.start < 1);
    assert.ok(replies.length >= 10, `${replies.length} replies`);
    const pcm = await PcmFile.open(await writeSessionPcm(session, `replies-${seed}`));
    try {
      const { regions } = await detectSpeech(pcm, await SileroVad.create(), { threshold: 0.5 });
      const d = await diarize(pcm, regions, new SpectralEmbedder());
      const r = diarizationErrorRate(session.truth, d.turns);
      let right = 0;
      let heard = 0;
      for (const line of replies) {
        for (const turn of d.turns) {
          const overlap = Math.max(0, Math.min(line.end, turn.end) - Math.max(line.start, turn.start));
          heard += overlap;
          if (r.mapping.get(turn.speaker) === line.speaker) right += overlap;
        }
      }
      t.diagnostic(`${replies.length} replies of ${session.truth.length} lines; ${d.clusters.length} speakers, DER ${(100 * r.der).toFixed(1)} %, replies with the right speaker ${((100 * right) / heard).toFixed(0)} %`);
      assert.equal(d.clusters.length, 4);
      assert.ok(r.der <= 0.05, `DER ${(100 * r.der).toFixed(1)} %`);
      assert.ok(right / heard >= 0.7, `replies with the right speaker: ${((100 * right) / heard).toFixed(0)} %`);
    } finally {
      await pcm.close();
    }
  });
}
