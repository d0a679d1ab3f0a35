/** `x` rounded to `digits` decimals: the one rounding every stage and writer uses (times to the ms, shares to 0.1). */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
