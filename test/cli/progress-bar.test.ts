import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barProgress } from '../../cli/progress-bar.js';
import { consoleOutput } from '../../cli/main.js';
import { TestTerminal } from '../support/terminal.js';

test('a warning printed while the bar is drawn lands whole on its own line, and the bar is redrawn below it', async () => {
  const screen = new TestTerminal(100);
  const { log, progress: bar } = consoleOutput(screen, true, false, 's1');
  bar.stage('asr', 'Transcribe');
  bar.update(0.3, 'chunk 1/3');
  // Let the bar draw itself (cli-progress redraws on a timer), as it has long before a warning comes on a real run.
  await new Promise((r) => setTimeout(r, 400));
  const warning = 'Skipped notes.txt: not readable audio (ffprobe: Invalid data found when processing input) — the rest of the session is transcribed';
  log.warn(warning);
  bar.update(0.6, 'chunk 2/3');
  bar.stop();
  await new Promise((r) => setImmediate(r));
  const lines = screen.lines().filter(Boolean);
  // The warning is longer than the terminal: it wraps onto a second row rather than being cut.
  const joined = lines.join('');
  assert.ok(joined.includes(`warning: ${warning}`), lines.join('\n'));
  const first = lines.findIndex((l) => l.startsWith('warning: Skipped notes.txt'));
  assert.ok(first >= 0, lines.join('\n'));
  assert.ok(!/Transcribe/.test(lines[first]!) && !/Transcribe/.test(lines[first + 1]!), 'no bar on the warning\'s lines');
  assert.match(lines.at(-1)!, /^Transcribe \|.*\| 60% chunk 2\/3 ETA/, 'the bar comes last, redrawn');
  assert.ok(lines.every((l) => l.length <= 100));
});

test('without a bar drawn, lines are written plainly', () => {
  const screen = new TestTerminal(40);
  barProgress(screen).log('hello');
  assert.deepEqual(screen.lines().filter(Boolean), ['hello']);
});
