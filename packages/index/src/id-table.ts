/**
 * Open-addressing map id -> row without per-entry objects. A slot stores only the row (-1 = empty);
 * the id is read back from the owner's `ids` array, so the table costs 4 bytes per slot.
 * Linear probing with backward-shift deletion keeps lookups tombstone-free.
 */
export class IdTable {
  private slots: Int32Array;
  private mask: number;
  private shift: number;
  private count = 0;

  constructor(expected = 16) {
    const bits = Math.max(4, Math.ceil(Math.log2(Math.max(1, expected) * 2)));
    this.slots = new Int32Array(1 << bits).fill(-1);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  get size(): number {
    return this.count;
  }

  private home(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> this.shift;
  }

  /** Row of `id`, or -1. */
  find(id: number, ids: Uint32Array): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const row = slots[i];
      if (row < 0) return -1;
      if (ids[row] === id) return row;
    }
  }

  /** Inserts or re-points `id` (already written at `ids[row]`) to `row`. */
  set(id: number, row: number, ids: Uint32Array): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow(ids);
    const slots = this.slots;
    const mask = this.mask;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const cur = slots[i];
      if (cur < 0) {
        slots[i] = row;
        this.count++;
        return;
      }
      if (cur === row || ids[cur] === id) {
        slots[i] = row;
        return;
      }
    }
  }

  /** Removes `id`; returns its row or -1. */
  delete(id: number, ids: Uint32Array): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.home(id);
    for (; ; i = (i + 1) & mask) {
      const row = slots[i];
      if (row < 0) return -1;
      if (ids[row] === id) break;
    }
    const removed = slots[i];
    // Backward-shift: pull later entries of the probe run into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const row = slots[j];
      if (row < 0) break;
      const h = this.home(ids[row]);
      const distHole = (hole - h) & mask;
      const distJ = (j - h) & mask;
      if (distHole < distJ) {
        slots[hole] = row;
        hole = j;
      }
    }
    slots[hole] = -1;
    this.count--;
    return removed;
  }

  private grow(ids: Uint32Array): void {
    const old = this.slots;
    const bits = 32 - this.shift + 1;
    this.slots = new Int32Array(1 << bits).fill(-1);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.count = 0;
    for (let i = 0; i < old.length; i++) {
      const row = old[i];
      if (row >= 0) this.set(ids[row], row, ids);
    }
  }
}
