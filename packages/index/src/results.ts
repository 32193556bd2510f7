import type { SearchResult } from './types.js';

/**
 * Growable (id, distance) buffer; repeated pairs are reported once. Sorting packs each pair into one float64
 * (distance * 2^32 + id, exact below 2^53) so the sort is a numeric typed-array sort, giving "distance, then
 * id" order deterministically.
 */
export class ResultBuffer {
  private keys = new Float64Array(64);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  push(id: number, distance: number): void {
    if (this.length === this.keys.length) {
      const next = new Float64Array(this.keys.length * 2);
      next.set(this.keys);
      this.keys = next;
    }
    this.keys[this.length++] = distance * 4294967296 + id;
  }

  toSortedResults(): SearchResult[] {
    const view = this.keys.subarray(0, this.length);
    view.sort();
    const out: SearchResult[] = [];
    let previous = -1;
    for (let i = 0; i < this.length; i++) {
      const k = view[i];
      // A row found through several substring tables is pushed once per table; an id is live in at most
      // one row, so equal keys are the same row.
      if (k === previous) continue;
      previous = k;
      const distance = Math.floor(k / 4294967296);
      out.push({ id: k - distance * 4294967296, distance });
    }
    return out;
  }
}
