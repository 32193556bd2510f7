import { fromHex } from '@unseen/pdq';
import { MultiIndexHashingIndex } from '@unseen/index';
import { SyncedBank } from './src/store/store.js';
import { Matcher } from './src/matcher/core.js';
const store = new SyncedBank('/tmp/dbg-load.sqlite');
if (store.size === 0) {
  let batch = [];
  for (let i = 0; i < 100000; i++) {
    batch.push({ lastModtimestamp: 100, signalType: 'ImagePDQ', hashValue: [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join(''), hashStatus: 'Active' as const, caseNumbers: { A: 'Active' as const } });
    if (batch.length === 20000) { store.applyPage({ count: 0, nextPageToken: null, nextSetTimestamp: 100, hasMoreRecords: false, hashRecords: batch }, { startTimestamp: 10, nextPageToken: null, generation: null }); batch = []; }
  }
}
let t = performance.now();
const recs = [...store.records()];
console.log('records()', Math.round(performance.now() - t)); t = performance.now();
const hashes = recs.map((r) => fromHex(r.hashValue));
console.log('fromHex', Math.round(performance.now() - t)); t = performance.now();
const idx = new MultiIndexHashingIndex();
hashes.forEach((h, i) => idx.add(i + 1, h));
console.log('mih add', Math.round(performance.now() - t)); t = performance.now();
idx.search(hashes[0]!, 31);
console.log('first search', Math.round(performance.now() - t)); t = performance.now();
const m = new Matcher(); m.load(recs);
console.log('matcher.load', Math.round(performance.now() - t)); t = performance.now();
for (let i = 0; i < 1000; i++) idx.search(hashes[i]!, 31);
console.log('1000 searches', Math.round(performance.now() - t));
