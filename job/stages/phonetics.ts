import { createRequire } from 'node:module';

/**
 * How close a misheard word sounds to a name, for the glossary: two French phonetic keys from Talisman (Sonnex,
 * made for French spellings of sounds; FONEM, for French names) and the Levenshtein distance between spellings.
 * Talisman ships CommonJS without types, hence the require. Pure.
 */
const require = createRequire(import.meta.url);
const load = <F>(path: string): F => {
  const m = require(path) as F | { default: F };
  return typeof m === 'function' ? m : (m as { default: F }).default;
};
const sonnex = load<(word: string) => string>('talisman/phonetics/french/sonnex.js');
const fonem = load<(word: string) => string>('talisman/phonetics/french/fonem.js');
export const levenshtein = load<(a: string, b: string) => number>('talisman/metrics/levenshtein.js');

export interface Sound {
  /** Folded letters (foldText without spaces). */
  letters: string;
  sonnex: string;
  fonem: string;
}

export function soundOf(letters: string): Sound {
  return { letters, sonnex: sonnex(letters), fonem: fonem(letters.toUpperCase()) };
}

export interface Closeness {
  /** Levenshtein distance between the spellings, and relative to the longer one. */
  distance: number;
  relative: number;
  /** One of the phonetic keys is the same. */
  sameKey: boolean;
  /** The Sonnex keys are one edit apart. */
  nearKey: boolean;
}

export function closeness(a: Sound, b: Sound): Closeness {
  const distance = levenshtein(a.letters, b.letters);
  return {
    distance,
    relative: distance / Math.max(1, a.letters.length, b.letters.length),
    sameKey: a.sonnex === b.sonnex || a.fonem === b.fonem,
    nearKey: levenshtein(a.sonnex, b.sonnex) <= 1,
  };
}
