import { MultiIndexHashingIndex } from '@unseen/index';
const idx = new MultiIndexHashingIndex({ costModel: { scanRow: 1e9 } });
console.log('created');
for (let i = 0; i < 300; i++) idx.add(i, new Uint8Array(32).map(() => Math.random() * 256));
console.log('added');
idx.compact();
console.log('compacted', idx.planFor(31));
console.log(idx.search(new Uint8Array(32), 31).length);
