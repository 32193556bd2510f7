/**
 * Stable LSD radix sort (2 passes of 16 bits) of `rows` by `keys[row]`; returns the sorted row order.
 * Used to order millions of rows by id without comparator calls or per-row objects.
 */
export function sortRowsByKey(keys: Uint32Array, rows: Uint32Array): Uint32Array {
  const n = rows.length;
  let src: Uint32Array = rows;
  let dst: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (let pass = 0; pass < 2; pass++) {
    const shift = pass * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((keys[src[i]] >>> shift) & 0xffff) + 1]++;
    for (let b = 0; b < 65536; b++) counts[b + 1] += counts[b];
    for (let i = 0; i < n; i++) {
      const row = src[i];
      dst[counts[(keys[row] >>> shift) & 0xffff]++] = row;
    }
    const t = src;
    src = dst;
    dst = pass === 0 && t === rows ? new Uint32Array(n) : t;
  }
  return src;
}
