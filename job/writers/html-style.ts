/**
 * transcript.html's style, inline in the page: the system's own fonts (no web font to fetch), a sticky bar with the
 * player and the search, turns as a name-and-time column beside the text, and a print style without any control.
 */
export const PAGE_STYLE = `
:root{--ink:#1d1d1f;--muted:#5f6368;--line:#e3e3e6;--bg:#fff;--soft:#f5f6f8;--accent:#0b57d0;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
body{margin:0 auto;max-width:72rem;padding:0 1.25rem 3rem}
h1{font-size:1.7rem;margin:1.2rem 0 .4rem}
h2{font-size:1.05rem;margin:1.2rem 0 .5rem;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.facts{display:flex;flex-wrap:wrap;gap:.3rem 2rem;margin:0}
.facts div{display:flex;gap:.5rem}.facts dt{color:var(--muted)}.facts dd{margin:0}
.recap{background:var(--soft);border-radius:.6rem;padding:.2rem 1.2rem 1rem;margin:1rem 0}
.recap h3{font-size:.95rem;margin:1rem 0 .3rem}.recap ol,.recap ul{margin:.2rem 0;padding-left:1.4rem}
.recap blockquote{margin:.5rem 0;padding-left:.8rem;border-left:3px solid var(--line)}.recap blockquote p{margin:0}
.recap .none{color:var(--muted);margin:.2rem 0}.recap .previously{font-size:1.05rem}
.speakers{border-collapse:collapse;min-width:min(36rem,100%)}
.speakers th,.speakers td{text-align:left;padding:.2rem .8rem .2rem 0;font-weight:normal}
.speakers thead th{color:var(--muted);font-size:.85rem}
.speakers tbody th{font-weight:600;white-space:nowrap}
.dot{display:inline-block;width:.75rem;height:.75rem;border-radius:50%;background:var(--c);margin-right:.5rem;vertical-align:-.05rem}
.share{width:50%;white-space:nowrap}
.bar{display:inline-block;height:.7rem;background:var(--c);border-radius:.2rem;vertical-align:middle;min-width:1px}
.pct{margin-left:.5rem;color:var(--muted);font-size:.85rem}
.tl{display:flex;gap:.6rem;align-items:flex-start}
.tl-names{list-style:none;margin:0;padding:0;font-size:.8rem;flex:none;max-width:10rem}
.tl-names li{height:var(--lane);line-height:var(--lane);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:var(--c);font-weight:600}
.tl-plot{flex:1;min-width:0}
#timeline{display:block;width:100%;cursor:pointer;border-radius:.3rem}
#timeline .bg{fill:var(--soft)}
#timeline .marker{stroke:#b3261e;stroke-width:3;stroke-dasharray:4 2}
#cursor{stroke:var(--ink);stroke-width:2}
.tl-axis{position:relative;height:1.2rem;font-size:.72rem;color:var(--muted)}
.tl-axis span{position:absolute;top:0;white-space:nowrap}
.hint,.legend,.keys{color:var(--muted);font-size:.8rem;margin:.3rem 0}
#bar{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 0;margin-top:1rem;
background:var(--bg);border-bottom:1px solid var(--line)}
#audio{height:2.2rem;flex:1 1 18rem;min-width:14rem}
.find{display:flex;align-items:center;gap:.3rem;flex:1 1 20rem}
#q{flex:1;min-width:8rem;font:inherit;padding:.35rem .6rem;border:1px solid #c4c7c5;border-radius:.4rem}
button,select{font:inherit;padding:.3rem .6rem;border:1px solid #c4c7c5;border-radius:.4rem;background:var(--soft);cursor:pointer}
#count{font-size:.85rem;color:var(--muted);white-space:nowrap}
.keys{flex-basis:100%;margin:0}
.notice{background:#fff4e5;border:1px solid #f0c36d;padding:.6rem .8rem;border-radius:.4rem}
.turn{display:grid;grid-template-columns:11rem 1fr;gap:1rem;padding:.45rem .6rem;border-left:4px solid var(--c);margin:.25rem 0;border-radius:.2rem;scroll-margin-top:7rem}
.turn p{margin:0}
.meta{display:flex;flex-direction:column;font-size:.9rem}
.who{font-weight:600;color:var(--c);overflow-wrap:anywhere}
.time{color:var(--muted);font-variant-numeric:tabular-nums;text-decoration:none;font-size:.85rem}
.time:hover{text-decoration:underline}
.seg{cursor:pointer}
.seg:hover{background:var(--soft)}
.doubt{text-decoration:underline dotted #b3261e;text-underline-offset:.2rem}
.gl{background:#e8f0fe;border-radius:.2rem;padding:0 .1rem}
.fix{position:relative;border-bottom:2px solid #188038}
.fix:hover::after,.fix:focus::after{content:attr(data-was);position:absolute;left:0;bottom:1.6rem;z-index:3;white-space:nowrap;
background:var(--ink);color:#fff;font-size:.8rem;padding:.2rem .5rem;border-radius:.3rem}
.turn.now{background:#fff8d6}
.turn.sel{outline:2px solid var(--accent);outline-offset:-2px}
.seg.now{background:#ffe8a3}
.note{margin:.6rem 0;padding:.3rem .8rem;border-left:4px dashed #b3261e;background:#fdf3f2;font-size:.9rem}
.out,.hid{display:none!important}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
::highlight(search){background:#fde293;color:inherit}
::highlight(search-now){background:#f9ab00;color:#000}
footer{margin-top:2rem;color:var(--muted);font-size:.8rem}
@media (max-width:40rem){.turn{grid-template-columns:1fr;gap:.1rem}.meta{flex-direction:row;gap:.6rem}}
@media print{
#bar,#noaudio,.hint,.keys,#cursor{display:none!important}
.turn{display:grid!important;break-inside:avoid;background:none!important;outline:none!important}
.note{display:block!important}
.seg.now{background:none}
body{max-width:none}
}
`.trim();
