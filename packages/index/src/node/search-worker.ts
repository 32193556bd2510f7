import { parentPort, workerData } from 'node:worker_threads';
import { deserializeIndex } from '../index.js';
import type { BatchReply, BatchRequest, WorkerFailure, WorkerInit, WorkerMessage } from './protocol.js';

const init = workerData as WorkerInit;
// The parent wrote (and checksummed) this snapshot moments ago: skip the checksum, keep zero-copy views.
const index = deserializeIndex(init.snapshot, { verifyChecksum: false, copy: false });
const port = parentPort;
if (port === null) throw new Error('search-worker must run as a worker thread');

port.on('message', (req: BatchRequest) => {
  try {
    const k = req.queries.length / 32;
    const counts = new Uint32Array(k);
    const ids: number[] = [];
    const distances: number[] = [];
    for (let i = 0; i < k; i++) {
      const results = index.search(req.queries.subarray(i * 32, i * 32 + 32), req.radius);
      counts[i] = results.length;
      for (const r of results) {
        ids.push(r.id);
        distances.push(r.distance);
      }
    }
    const reply: BatchReply = {
      seq: req.seq,
      counts,
      ids: Uint32Array.from(ids),
      distances: Uint16Array.from(distances),
    };
    port.postMessage(reply, [reply.counts.buffer, reply.ids.buffer, reply.distances.buffer]);
  } catch (e) {
    const failure: WorkerFailure = { seq: req.seq, error: e instanceof Error ? e.message : String(e) };
    port.postMessage(failure);
  }
});
const ready: WorkerMessage = { ready: true };
port.postMessage(ready);
