import { multitrackSession } from './test/support/multitrack-session.js';
import { frameEnergies, BLEED_FRAME_SECONDS } from './job/tracks/bleed.js';
const s = await multitrackSession({ seed: 3, seconds: 150, bleedDb: -12, leavesEarly: 4, echoMs: 150 });
const e = s.tracks.map((t) => frameEnergies(t));
const a = Math.floor(20.0 / BLEED_FRAME_SECONDS), b = Math.ceil(21.3 / BLEED_FRAME_SECONDS);
const pk = (x: Float32Array, f: number) => Math.max(x[f-1] ?? -100, x[f] ?? -100, x[f+1] ?? -100);
let out = '';
for (let f = a; f < b; f++) out += `${(f*BLEED_FRAME_SECONDS).toFixed(2)} H=${e[4]![f]!.toFixed(0)} C5=${pk(e[0]!, f-5).toFixed(0)} diff=${(e[4]![f]! - pk(e[0]!, f-5)).toFixed(0)} | `;
console.log(out);
