import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { foldText } from './fold.js';

/**
 * The ordinary words of the session's languages, from Debian's word lists (wfrench, wamerican, wbritish: installed
 * by `make install` and in the image), so that a correction never turns an ordinary word into a name. English is
 * always included: French tables speak it ("fist bump", "blackjack"). Capitalised entries of the English lists are
 * proper nouns (Hector, Isolde), not ordinary words, and are left out.
 */
export const WORDLIST_DIR = '/usr/share/dict';
export const WORDLIST_HINT = 'install the word lists (Debian/Ubuntu: `apt-get install wfrench wamerican wbritish`, which `make install` does)';

const FILES: Record<string, string[]> = {
  fr: ['french'],
  en: ['american-english', 'british-english'],
  de: ['ngerman'],
  es: ['spanish'],
  it: ['italian'],
  pt: ['portuguese'],
  nl: ['dutch'],
};

export interface OrdinaryWords {
  /** Whether a folded word (foldText) is an ordinary word. */
  has(folded: string): boolean;
  /** The lists read, and the languages that had none. */
  files: string[];
  missing: string[];
}

const cache = new Map<string, Promise<Set<string>>>();

export async function loadOrdinaryWords(languages: readonly string[], dir = WORDLIST_DIR): Promise<OrdinaryWords> {
  const wanted = [...new Set([...languages, 'en'])];
  const words = new Set<string>();
  const files: string[] = [];
  const missing: string[] = [];
  for (const language of wanted) {
    const paths = (FILES[language] ?? []).map((f) => join(dir, f)).filter((p) => existsSync(p));
    if (paths.length === 0) missing.push(language);
    for (const path of paths) {
      files.push(path);
      for (const w of await readList(path)) words.add(w);
    }
  }
  return { has: (folded) => words.has(folded), files, missing };
}

function readList(path: string): Promise<Set<string>> {
  let list = cache.get(path);
  if (!list) {
    list = readFile(path, 'utf8').then((text) => {
      const set = new Set<string>();
      for (const line of text.split('\n')) {
        // "Hector" in an English list is a name; "hector" the verb. French lists hold no proper nouns.
        if (!line || /^\p{Lu}/u.test(line)) continue;
        const folded = foldText(line);
        if (folded && !folded.includes(' ')) set.add(folded);
      }
      return set;
    });
    cache.set(path, list);
  }
  return list;
}
