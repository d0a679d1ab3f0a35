import { closeSync, openSync, readSync } from 'node:fs';
import { GGML_MAGIC } from './whisper-model.js';

/**
 * The vocabulary of a ggml whisper model, read from the model file, to count a prompt's tokens exactly as whisper.cpp
 * will: Whisper keeps at most n_text_ctx / 2 (224) tokens of context, and a carried prompt must leave room for the
 * running context, so characters are a poor measure (a French name can cost one token per letter).
 *
 * Written by hand because whisper.cpp does not tokenize with GPT-2's BPE merges (which tokenizer libraries implement)
 * but with its own rule (src/whisper.cpp `tokenize`): split the text with GPT-2's pre-tokenizer regex, evaluated by
 * std::regex in the "C" locale (so only ASCII letters and digits are [[:alpha:]] and [[:digit:]]), then take the
 * longest vocabulary entry at each position of each piece. The same rule on the same bytes gives the same count.
 */
export interface WhisperVocab {
  /** n_text_ctx: the decoder's context; whisper keeps half of it for the prompt and the previous text. */
  textContext: number;
  /** Tokens whisper.cpp makes of this text (as an initial prompt). */
  countTokens(text: string): number;
}

/** Bounds on what is read from a file that claims to be a model (the real ones: 51,865 entries, ≈ 500 KB). */
const MAX_VOCAB = 200_000;
const MAX_TOKEN_BYTES = 1024;
const MAX_MEL_BYTES = 4 * 256 * 1024;

export function readWhisperVocab(modelPath: string): WhisperVocab {
  const fd = openSync(modelPath, 'r');
  try {
    let at = 0;
    const read = (bytes: number): Buffer => {
      const buf = Buffer.alloc(bytes);
      const n = readSync(fd, buf, 0, bytes, at);
      if (n < bytes) throw new Error(`${modelPath}: ends inside the model header (byte ${at + n})`);
      at += bytes;
      return buf;
    };
    const head = read(4 + 11 * 4);
    if (head.readUInt32LE(0) !== GGML_MAGIC) throw new Error(`${modelPath}: not a ggml whisper model (bad magic)`);
    const textContext = head.readInt32LE(4 + 5 * 4);
    const mel = read(8);
    const melBytes = mel.readInt32LE(0) * mel.readInt32LE(4) * 4;
    if (melBytes < 0 || melBytes > MAX_MEL_BYTES) throw new Error(`${modelPath}: implausible mel filter size`);
    at += melBytes;
    const count = read(4).readInt32LE(0);
    if (count < 0 || count > MAX_VOCAB) throw new Error(`${modelPath}: implausible vocabulary size ${count}`);
    const tokens = new Set<string>();
    let longest = 0;
    // Read in blocks: one readSync per token would be 50,000 system calls.
    let block = Buffer.alloc(0);
    let offset = 0;
    const take = (bytes: number): Buffer => {
      if (offset + bytes > block.length) {
        const rest = block.subarray(offset);
        const more = Buffer.alloc(Math.max(64 * 1024, bytes));
        const n = readSync(fd, more, 0, more.length, at);
        at += n;
        block = Buffer.concat([rest, more.subarray(0, n)]);
        offset = 0;
        if (bytes > block.length) throw new Error(`${modelPath}: ends inside the vocabulary`);
      }
      const out = block.subarray(offset, offset + bytes);
      offset += bytes;
      return out;
    };
    for (let i = 0; i < count; i++) {
      const len = take(4).readUInt32LE(0);
      if (len > MAX_TOKEN_BYTES) throw new Error(`${modelPath}: implausible token length ${len} at entry ${i}`);
      tokens.add(take(len).toString('latin1'));
      longest = Math.max(longest, len);
    }
    return { textContext, countTokens: (text) => countWith(tokens, longest, text) };
  } finally {
    closeSync(fd);
  }
}

// GPT-2's pre-tokenizer as whisper.cpp writes it, with std::regex's "C"-locale classes spelt out: text is handled as
// bytes (latin1 strings), so every UTF-8 byte of "é" is "not a letter, not a digit, not a space".
const SPACE = ' \\t\\n\\v\\f\\r';
const PIECES = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^${SPACE}A-Za-z0-9]+|[${SPACE}]+(?![^${SPACE}])|[${SPACE}]+`, 'g');

function countWith(vocab: ReadonlySet<string>, longest: number, text: string): number {
  const bytes = Buffer.from(text, 'utf8').toString('latin1');
  let count = 0;
  for (const [piece] of bytes.matchAll(PIECES)) {
    let i = 0;
    while (i < piece.length) {
      let j = Math.min(piece.length, i + longest);
      while (j > i && !vocab.has(piece.slice(i, j))) j--;
      if (j > i) {
        count++;
        i = j;
      } else i++; // whisper.cpp logs "unknown token" and skips the byte
    }
  }
  return count;
}
