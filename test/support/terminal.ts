/**
 * A terminal for tests of what a person sees: a writable stream that says it is a TTY of `columns` columns and
 * replays what is written to it onto a screen of rows, with the few ANSI sequences readline and cli-progress use
 * (cursor to column, up/down/left/right, clear line, clear below, auto-wrap on/off, cursor show/hide).
 */
import { Writable } from 'node:stream';

export class TestTerminal extends Writable {
  readonly isTTY = true;
  readonly rows: string[][] = [[]];
  private row = 0;
  private col = 0;
  private wrap = true;

  constructor(readonly columns = 60) {
    super({ decodeStrings: false });
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, done: () => void): void {
    this.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    done();
  }

  /** The screen as lines, trailing spaces removed. */
  lines(): string[] {
    return this.rows.map((r) => r.join('').replace(/\s+$/, ''));
  }

  private feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\x1b') {
        const m = /^\x1b(\[\??(\d*)(?:;(\d+))?([A-Za-z])|[78])/.exec(text.slice(i));
        if (m) {
          this.escape(m[1]!, m[2] ?? '', m[4] ?? '');
          i += m[0].length - 1;
          continue;
        }
      }
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') {
        // A terminal's line discipline turns "\n" into CR LF.
        this.down(1);
        this.col = 0;
      }
      else this.put(ch);
    }
  }

  private escape(sequence: string, n: string, command: string): void {
    const count = n === '' ? 1 : Number(n);
    if (sequence.startsWith('[?')) {
      if (n === '7') this.wrap = command === 'h';
      return;
    }
    switch (command) {
      case 'G':
        this.col = Math.max(0, count - 1);
        break;
      case 'A':
        this.row = Math.max(0, this.row - count);
        break;
      case 'B':
        this.down(count);
        break;
      case 'C':
        this.col = Math.min(this.columns - 1, this.col + count);
        break;
      case 'D':
        this.col = Math.max(0, this.col - count);
        break;
      case 'K':
        if (n === '2') this.rows[this.row] = [];
        else if (n === '' || n === '0') this.rows[this.row] = this.rows[this.row]!.slice(0, this.col);
        else this.rows[this.row] = this.rows[this.row]!.map((c, i) => (i <= this.col ? ' ' : c));
        break;
      case 'J':
        this.rows[this.row] = this.rows[this.row]!.slice(0, this.col);
        this.rows.length = this.row + 1;
        break;
      default:
        break;
    }
  }

  private put(ch: string): void {
    if (this.col >= this.columns) {
      if (this.wrap) {
        this.down(1);
        this.col = 0;
      } else this.col = this.columns - 1;
    }
    const line = this.rows[this.row]!;
    while (line.length < this.col) line.push(' ');
    line[this.col] = ch;
    this.col++;
  }

  private down(n: number): void {
    this.row += n;
    while (this.rows.length <= this.row) this.rows.push([]);
  }
}
