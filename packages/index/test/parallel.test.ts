import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex, MultiIndexHashingIndex } from '../src/index.js';
import { ParallelSearcher } from '../src/node/index.js';
import { clusteredBank, flipBits, mulberry32, referenceSearch } from './helpers.js';

describe('ParallelSearcher (worker threads over a SharedArrayBuffer snapshot)', () => {
  const rand = mulberry32(77);
  const bank = clusteredBank(rand, 30, 20, 40);
  const members = [...bank.values()];
  const queries = new Uint8Array(64 * 32);
  for (let i = 0; i < 64; i++)
    queries.set(flipBits(members[Math.floor(rand() * members.length)], Math.floor(rand() * 40), rand), i * 32);
  const searchers: ParallelSearcher[] = [];
  afterAll(async () => {
    await Promise.all(searchers.map((s) => s.close()));
  });

  for (const [name, make] of [
    ['MultiIndexHashingIndex', () => new MultiIndexHashingIndex()],
    ['BruteForceIndex', () => new BruteForceIndex()],
  ] as const) {
    it(`returns exactly the single-threaded results, in query order (${name})`, async () => {
      const index = make();
      for (const [id, h] of bank) index.add(id, h);
      const searcher = await ParallelSearcher.create(index, { workers: 2, batchSize: 5 });
      searchers.push(searcher);
      expect(searcher.workerCount).toBe(2);
      const got = await searcher.searchBatch(queries, 31);
      expect(got).toHaveLength(64);
      for (let i = 0; i < 64; i++) {
        const q = queries.subarray(i * 32, i * 32 + 32);
        expect(got[i]).toEqual(referenceSearch(bank, q, 31));
      }
      expect(await searcher.search(queries.subarray(0, 32), 0)).toEqual(
        referenceSearch(bank, queries.subarray(0, 32), 0),
      );
      await expect(searcher.searchBatch(new Uint8Array(33), 3)).rejects.toMatchObject({ code: 'INVALID_HASH' });
      await searcher.close();
      await expect(searcher.searchBatch(queries, 3)).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    });
  }
});
