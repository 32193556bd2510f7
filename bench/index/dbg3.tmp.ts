import { BruteForceIndex } from '@unseen/index';
const idx = new BruteForceIndex();
for (let i = 0; i < 50; i++) idx.add(i * 3, new Uint8Array(32).map(() => (i * 7 + 3) & 255));
const good = idx.serialize();
console.log('len', good.length);
const cases: [string, Uint8Array][] = [
  ['text', new TextEncoder().encode('{"not":"a snapshot"} padding padding padding padding padding')],
  ['short', good.subarray(0, 10)],
  ['trunc', good.slice(0, good.length - 4)],
];
for (const [name, b] of cases) {
  console.log(name);
  try { BruteForceIndex.deserialize(b); console.log('no throw'); } catch (e) { console.log((e as Error).message); }
}
