// Worker-thread side of the image hashing pool: hashes one file per message and replies with the
// result or a serialisable error. Loaded from source (tsx) in tests and from dist/ after a build.
import { parentPort } from 'node:worker_threads';
import { hashImageFile } from './image-hash.js';
import { type PoolReply, type PoolRequest, toJobError } from './image-pool-protocol.js';

if (!parentPort) throw new Error('image-worker must run in a worker thread');
const port = parentPort;

port.on('message', async (request: PoolRequest) => {
  let reply: PoolReply;
  try {
    reply = { id: request.id, ok: true, result: await hashImageFile(request.path, request.options) };
  } catch (err) {
    reply = { id: request.id, ok: false, error: toJobError(err) };
  }
  port.postMessage(reply);
});
