/**
 * Cold load of a saved snapshot in a fresh process: read the file, validate (checksum + structure) and
 * deserialize, then run one search to prove the index is usable. Prints one JSON line.
 * Usage: node --conditions=unseen-source --import tsx bench/index/load-snapshot.ts <file> <probe-hex-bytes>
 */
import { readFileSync } from 'node:fs';
import { deserializeIndex } from '@unseen/index';

const [file, probeHex] = process.argv.slice(2);
const t0 = performance.now();
const bytes = readFileSync(file);
const t1 = performance.now();
const index = deserializeIndex(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
const t2 = performance.now();
const probe = Uint8Array.from(Buffer.from(probeHex, 'hex'));
const results = index.search(probe, 31);
const t3 = performance.now();
console.log(
  JSON.stringify({
    readMs: t1 - t0,
    deserializeMs: t2 - t1,
    totalMs: t2 - t0,
    firstSearchMs: t3 - t2,
    size: index.size,
    probeResults: results.length,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
