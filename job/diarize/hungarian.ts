/**
 * Best one-to-one assignment (Hungarian algorithm, O(n³) with potentials): pairs rows with columns so that the sum
 * of `weights[r][c]` over the chosen pairs is largest. Rectangular input is padded with zeros; a row paired with a
 * padding column, or through a weight of 0 or less, stays unpaired. Used to match clusters with named voices and, in
 * the tests, hypothesis with reference speakers.
 */
export function bestAssignment(weights: readonly (readonly number[])[]): Array<[row: number, col: number]> {
  const rows = weights.length;
  const cols = rows > 0 ? Math.max(...weights.map((r) => r.length)) : 0;
  const n = Math.max(rows, cols);
  if (n === 0) return [];
  let top = 0;
  for (const r of weights) for (const w of r) if (w > top) top = w;
  // Minimise (top - weight); padding costs `top`, the same as a weight of 0.
  const cost = (r: number, c: number) => top - Math.max(0, weights[r]?.[c] ?? 0);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const match = new Int32Array(n + 1); // match[col] = row, 1-based; 0 = free
  const way = new Int32Array(n + 1);
  for (let r = 1; r <= n; r++) {
    match[0] = r;
    let c0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[c0] = 1;
      const r0 = match[c0]!;
      let delta = Infinity;
      let c1 = 0;
      for (let c = 1; c <= n; c++) {
        if (used[c]) continue;
        const cur = cost(r0 - 1, c - 1) - u[r0]! - v[c]!;
        if (cur < minv[c]!) {
          minv[c] = cur;
          way[c] = c0;
        }
        if (minv[c]! < delta) {
          delta = minv[c]!;
          c1 = c;
        }
      }
      for (let c = 0; c <= n; c++) {
        if (used[c]) {
          u[match[c]!] = u[match[c]!]! + delta;
          v[c] = v[c]! - delta;
        } else minv[c] = minv[c]! - delta;
      }
      c0 = c1;
    } while (match[c0] !== 0);
    do {
      const c1 = way[c0]!;
      match[c0] = match[c1]!;
      c0 = c1;
    } while (c0 !== 0);
  }
  const pairs: Array<[number, number]> = [];
  for (let c = 1; c <= n; c++) {
    const r = match[c]! - 1;
    if (r < rows && c - 1 < cols && (weights[r]?.[c - 1] ?? 0) > 0) pairs.push([r, c - 1]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}
