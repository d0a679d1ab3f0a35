/**
 * Text folded for comparison: lower case, accents off, every run of what is not a letter or a digit one space
 * ("L'Ectaron !" → "l ectaron"). Shared by the prompt, the glossary, the quality filter and the recap's checks, so
 * that they agree on what "the same words" means. Pure.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
