import { MultiIndexHashingIndex } from '@unseen/index';
import { clusteredBank, mulberry32, randomHash } from '../../packages/index/test/helpers.ts';
const rand = mulberry32(0x5eed1);
const bank = clusteredBank(rand, 60, 25, 70);
const index = new MultiIndexHashingIndex();
for (const [id, h] of bank) index.add(id, h);
console.log('filled', index.size);
const q = randomHash(rand);
for (let r = 0; r <= 256; r++) {
  console.log('r', r, JSON.stringify(index.planFor(r)));
  const t = performance.now();
  index.search(q, r);
  console.log('  ms', performance.now() - t);
}
