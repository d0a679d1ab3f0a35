/**
 * transcript.html's script, inline in the page (its hash is the page's Content-Security-Policy). Plain browser
 * JavaScript kept as text: it never runs in Node, and the page must not depend on a bundler. Everything it needs is
 * in the page: the turns (data-start, data-sp), each segment's start (data-s), and #page-data (duration, words).
 *
 * What it does: plays audio.opus from beside the page (or, from a signed link, the signed audio URL the email put in
 * the fragment, when it is on the page's own origin); a click on a line seeks there and plays; the playing turn is
 * highlighted and the timeline's cursor follows; #t=H:MM:SS scrolls to that turn; the search folds accents and case,
 * highlights every match (CSS Custom Highlights: no change to the text's markup), counts them and steps through them;
 * the speaker filter hides the other speakers' turns; space, j, k and / from the keyboard.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('page-data').textContent);
  var W = data.words;
  var duration = data.duration || 0;
  var audio = document.getElementById('audio');
  var q = document.getElementById('q');
  var count = document.getElementById('count');
  var who = document.getElementById('who');
  var timeline = document.getElementById('timeline');
  var cursor = document.getElementById('cursor');
  var notice = document.getElementById('noaudio');
  var turns = Array.prototype.slice.call(document.querySelectorAll('.turn'));
  var notes = Array.prototype.slice.call(document.querySelectorAll('.note'));
  var starts = turns.map(function (el) { return parseFloat(el.getAttribute('data-start')); });
  var hasAudio = true;
  var current = -1;
  var currentSeg = null;
  var selected = -1;

  function params() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (part) {
      var eq = part.indexOf('=');
      if (eq <= 0) return;
      try { out[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1)); } catch (e) { /* a mangled link: ignored */ }
    });
    return out;
  }

  function audioSource() {
    var given = params().audio;
    if (given && /^https?:$/.test(location.protocol)) {
      try {
        var url = new URL(given, location.href);
        if (url.origin === location.origin) return url.href;
      } catch (e) { /* not a URL */ }
    }
    return data.audio;
  }

  function noAudio() {
    hasAudio = false;
    audio.hidden = true;
    notice.hidden = false;
  }
  audio.addEventListener('error', noAudio);
  audio.src = audioSource();

  function clock(t) {
    t = Math.max(0, Math.floor(t));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    return h + ':' + (m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
  }

  function parseTime(text) {
    if (!text) return NaN;
    if (/^\d+(\.\d+)?$/.test(text)) return parseFloat(text);
    var m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})$/.exec(text);
    return m ? parseInt(m[1] || '0', 10) * 3600 + parseInt(m[2], 10) * 60 + parseInt(m[3], 10) : NaN;
  }

  /** The last turn starting at or before t (the first one before the first start). */
  function turnAt(t) {
    var lo = 0, hi = starts.length - 1, found = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  function hidden(el) { return el.classList.contains('out') || el.classList.contains('hid'); }

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  }

  function moveCursor(t) {
    if (!cursor) return;
    cursor.setAttribute('x1', t);
    cursor.setAttribute('x2', t);
  }

  function play() {
    var started = audio.play();
    if (started && started.catch) started.catch(function () { /* refused (autoplay rules) or no audio: the notice says why */ });
  }

  function seek(t, andPlay) {
    if (!hasAudio) return;
    audio.currentTime = t;
    if (andPlay) play();
  }

  function select(i, scroll) {
    if (turns[selected]) turns[selected].classList.remove('sel');
    selected = i;
    var el = turns[i];
    if (!el) return;
    el.classList.add('sel');
    if (scroll) el.scrollIntoView({ block: 'center' });
    moveCursor(starts[i]);
  }

  function onTime() {
    var t = audio.currentTime;
    moveCursor(t);
    var i = starts.length && t >= starts[0] ? turnAt(t) : -1;
    if (i !== current) {
      var before = turns[current];
      var following = before && inView(before);
      if (before) before.classList.remove('now');
      current = i;
      if (turns[i]) {
        turns[i].classList.add('now');
        if (following && !audio.paused && !hidden(turns[i])) turns[i].scrollIntoView({ block: 'nearest' });
      }
    }
    var seg = null;
    if (turns[i]) {
      var segs = turns[i].querySelectorAll('.seg');
      for (var k = 0; k < segs.length; k++) if (parseFloat(segs[k].getAttribute('data-s')) <= t) seg = segs[k];
    }
    if (seg !== currentSeg) {
      if (currentSeg) currentSeg.classList.remove('now');
      currentSeg = seg;
      if (seg) seg.classList.add('now');
    }
  }
  audio.addEventListener('timeupdate', onTime);
  audio.addEventListener('seeked', onTime);

  function linkHash(t) {
    var given = params().audio;
    return '#t=' + clock(t) + (given ? '&audio=' + encodeURIComponent(given) : '');
  }

  document.getElementById('turns').addEventListener('click', function (e) {
    var picked = window.getSelection();
    if (picked && !picked.isCollapsed) return; // selecting text to copy it, not asking to listen
    var turn = e.target.closest('.turn');
    if (!turn) return;
    var i = parseInt(turn.id.slice(5), 10);
    var seg = e.target.closest('.seg');
    var t = seg ? parseFloat(seg.getAttribute('data-s')) : starts[i];
    if (e.target.closest('a.time')) {
      e.preventDefault();
      history.replaceState(null, '', linkHash(starts[i]));
      t = starts[i];
    }
    select(i, false);
    seek(t, true);
  });

  /** #t=H:MM:SS: the turn whose link that is (or the one under way then), scrolled to; the audio waits there. */
  function fromHash() {
    var t = parseTime(params().t);
    if (isNaN(t) || !turns.length) return;
    var i = turnAt(t + 0.999);
    while (i > 0 && Math.floor(starts[i - 1]) >= Math.floor(t)) i--;
    if (hidden(turns[i])) { q.value = ''; who.value = ''; applyFilters(); }
    select(i, true);
    seek(t, false);
  }
  window.addEventListener('hashchange', fromHash);

  timeline.addEventListener('click', function (e) {
    var r = timeline.getBoundingClientRect();
    var t = Math.max(0, Math.min(duration, ((e.clientX - r.left) / r.width) * duration));
    select(turnAt(t), true);
    moveCursor(t);
    seek(t, !audio.paused);
  });

  // Search: each turn's text, folded (no accents, lower case, one kind of apostrophe, hyphens as spaces: "port
  // sombre" finds Port-Sombre), with where each folded character came from, built at the first search.
  var index = null;
  var matches = [];
  var at = -1;
  var canHighlight = typeof Highlight === 'function' && window.CSS && CSS.highlights;

  function foldChar(ch) {
    return ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[\u2019\u2018\u02bc\u0060\u00b4]/g, "'").replace(/\u0153/g, 'oe').replace(/\u00e6/g, 'ae').replace(/[\s\u2010-\u2015-]/g, ' ');
  }
  function fold(text) {
    var out = '';
    for (var ch of text) out += foldChar(ch);
    return out.replace(/ +/g, ' ');
  }

  function buildIndex() {
    index = turns.map(function (el) {
      var walker = document.createTreeWalker(el.querySelector('p'), NodeFilter.SHOW_TEXT);
      var entry = { nodes: [], offsets: [], folded: '', from: [], to: [] };
      var length = 0;
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        entry.nodes.push(node);
        entry.offsets.push(length);
        var text = node.nodeValue, pos = 0;
        for (var ch of text) {
          var f = foldChar(ch);
          for (var k = 0; k < f.length; k++) { entry.folded += f[k]; entry.from.push(length + pos); entry.to.push(length + pos + ch.length); }
          pos += ch.length;
        }
        length += text.length;
      }
      return entry;
    });
  }

  function locate(entry, g) {
    var j = entry.offsets.length - 1;
    while (j > 0 && entry.offsets[j] > g) j--;
    return [entry.nodes[j], g - entry.offsets[j]];
  }

  function rangeOf(entry, a, b) {
    var range = document.createRange();
    var s = locate(entry, entry.from[a]);
    var e = locate(entry, entry.to[b - 1]);
    range.setStart(s[0], s[1]);
    range.setEnd(e[0], Math.min(e[1], e[0].nodeValue.length));
    return range;
  }

  function showCount(turnsHit) {
    if (!matches.length) { count.textContent = q.value.trim() ? W.none : ''; return; }
    var n = matches.length;
    count.textContent = (at >= 0 ? (at + 1) + '/' : '') + n + ' ' + W.match[n > 1 ? 1 : 0] + ' ' + W.in + ' ' + turnsHit + ' ' + W.turn[turnsHit > 1 ? 1 : 0];
  }

  var turnsHit = 0;
  var applied = '';
  function applyFilters() {
    var speaker = who.value;
    applied = q.value;
    turns.forEach(function (el) { el.classList.toggle('hid', speaker !== '' && el.getAttribute('data-sp') !== speaker); });
    var query = fold(q.value.trim());
    matches = [];
    at = -1;
    turnsHit = 0;
    if (query) {
      if (!index) buildIndex();
      index.forEach(function (entry, i) {
        var el = turns[i], found = false;
        if (!el.classList.contains('hid')) {
          for (var k = entry.folded.indexOf(query); k >= 0; k = entry.folded.indexOf(query, k + query.length)) {
            matches.push(rangeOf(entry, k, k + query.length));
            found = true;
          }
        }
        el.classList.toggle('out', !found);
        if (found) turnsHit++;
      });
    } else {
      turns.forEach(function (el) { el.classList.remove('out'); });
    }
    notes.forEach(function (el) { el.classList.toggle('out', Boolean(query || speaker)); });
    if (canHighlight) {
      var all = new Highlight();
      matches.forEach(function (r) { all.add(r); });
      CSS.highlights.set('search', all);
      CSS.highlights.delete('search-now');
    }
    showCount(turnsHit);
  }

  function go(step) {
    if (!matches.length) return;
    at = (at + step + matches.length) % matches.length;
    var range = matches[at];
    if (canHighlight) CSS.highlights.set('search-now', new Highlight(range));
    var el = range.startContainer.parentElement;
    if (el) el.scrollIntoView({ block: 'center' });
    showCount(turnsHit);
  }

  var typing = 0;
  q.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(function () { applyFilters(); if (matches.length) go(1); }, 120);
  });
  q.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(typing); if (q.value !== applied) applyFilters(); go(e.shiftKey ? -1 : 1); }
    if (e.key === 'Escape') { q.value = ''; applyFilters(); q.blur(); }
  });
  document.getElementById('next').addEventListener('click', function () { go(1); });
  document.getElementById('prev').addEventListener('click', function () { go(-1); });
  who.addEventListener('change', function () { applyFilters(); });

  function stepTurn(dir) {
    var from = !audio.paused && current >= 0 ? current : selected >= 0 ? selected : current;
    var i = from;
    do { i += dir; } while (i >= 0 && i < turns.length && hidden(turns[i]));
    if (i < 0 || i >= turns.length) return;
    select(i, true);
    seek(starts[i], !audio.paused);
  }

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var el = e.target, tag = el && el.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (el && el.isContentEditable)) return;
    if (e.key === ' ') {
      if (tag === 'BUTTON' || tag === 'AUDIO' || tag === 'A') return; // their own space
      e.preventDefault();
      if (!hasAudio) return;
      if (audio.paused) play(); else audio.pause();
    } else if (e.key === 'j' || e.key === 'k') {
      e.preventDefault();
      stepTurn(e.key === 'j' ? 1 : -1);
    } else if (e.key === '/') {
      e.preventDefault();
      q.focus();
    }
  });

  fromHash();
})();
`;
