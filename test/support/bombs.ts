/**
 * YAML built to cost what its size does not show, for the bounds tests and bench: aliases that multiply ("billion
 * laughs") and aliases that multiply unknown keys.
 */

/**
 * About `bytes` of YAML whose values multiply through `aliases` alias nodes: `levels` of lists, each entry an alias
 * to the level below, padded with long plain strings to reach the size. Parsed, it is a few KB of objects; walked
 * (as any schema check does), 10^levels values.
 */
export function aliasBomb(bytes: number, options: { aliases: number }): string {
  const width = 10;
  const levels = Math.max(2, Math.floor(options.aliases / width));
  const lines = [`l0: &l0 [${Array(width).fill('"ha"').join(', ')}]`];
  for (let l = 1; l < levels; l++) lines.push(`l${l}: &l${l} [${Array(width).fill(`*l${l - 1}`).join(', ')}]`);
  const extra = options.aliases - (levels - 1) * width;
  if (extra > 0) lines.push(`more: [${Array(extra).fill(`*l${levels - 1}`).join(', ')}]`);
  lines.push(`glossary:\n  terms: *l${levels - 1}`);
  let text = lines.join('\n') + '\n';
  let i = 0;
  while (Buffer.byteLength(text) < bytes - 80) text += `pad${i++}: "${'x'.repeat(60)}"\n`;
  return text;
}

/**
 * A 1 KB file whose 40 speakers are one aliased speaker with 20 unknown keys, each holding an aliased list: 800
 * unknown-key warnings (and, before the bounds, a report of thousands of lines).
 */
export function manyWarningsBomb(): string {
  const keys = Array.from({ length: 20 }, (_, i) => `junk${i}: *l`).join(', ');
  return [`l: &l [${Array(10).fill('"x"').join(', ')}]`, `s: &s { id: alice, ${keys} }`, `speakers: [${Array(40).fill('*s').join(', ')}]`].join('\n');
}
