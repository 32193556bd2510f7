import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Matcher } from '../src/matcher/core.js';
import { ensureTopology, type MatchResultEvent, NatsMatchConsumer, type NatsTopology } from '../src/matcher/nats.js';
import { nodeMediaHasher } from '../src/media.js';
import { makeImage, rotate90 } from './helpers/images.js';
import { randomHex, seededRandom } from './helpers/rng.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

async function reachable(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 2000, reconnect: false });
    const jsm = await nc.jetstreamManager();
    await jsm.getAccountInfo();
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

const natsUp = await reachable(NATS_URL);
if (!natsUp) {
  console.warn(
    `SKIPPING NATS consumer tests: no NATS server with JetStream at ${NATS_URL} (start nats-server -js or set TEST_NATS_URL)`,
  );
}

const codec = JSONCodec<unknown>();
const suffix = `${process.pid}_${Date.now()}`;
const topology: NatsTopology = {
  uploadsStream: `TEST_UPLOADS_${suffix}`,
  uploadsSubject: `test.${suffix}.uploads`,
  resultsStream: `TEST_MATCHES_${suffix}`,
  resultsSubject: `test.${suffix}.matches`,
  durable: `matcher_${suffix}`,
};

describe.skipIf(!natsUp)('NATS JetStream consumer mode', () => {
  let nc: NatsConnection;
  let media: http.Server;
  let mediaUrl: string;
  let bankPdq: string;
  let rotatedJpeg: Buffer;
  const workers: NatsMatchConsumer[] = [];
  const matcher = new Matcher();

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    const png = await makeImage(21);
    rotatedJpeg = await rotate90(png);
    bankPdq = (await nodeMediaHasher.hashImageBytes(png, { dihedral: false })).variants[0]!.hex;
    matcher.load([
      {
        signalType: 'ImagePDQ',
        hashValue: bankPdq,
        hashStatus: 'Active',
        caseNumbers: { A: 'Active' },
        feedbacks: [],
        lastModtimestamp: 1,
      },
    ]);
    media = http.createServer((req, res) => {
      if (req.url === '/upload.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(rotatedJpeg);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
    for (const name of ['w1', 'w2']) {
      const worker = new NatsMatchConsumer({
        servers: NATS_URL,
        matcher,
        topology,
        worker: name,
        ackWaitMs: 30_000,
        maxDeliver: 3,
      });
      await worker.start();
      workers.push(worker);
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    if (nc) {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(topology.uploadsStream).catch(() => {});
      await jsm.streams.delete(topology.resultsStream).catch(() => {});
      await nc.close();
    }
    await new Promise((r) => media?.close(r));
  });

  async function readResults(expected: number, timeoutMs = 20_000): Promise<MatchResultEvent[]> {
    const jsm = await nc.jetstreamManager();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const info = await jsm.streams.info(topology.resultsStream);
      if (info.state.messages >= expected) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Read the results stream directly by sequence: simple, and independent of consumer machinery.
    const info = await jsm.streams.info(topology.resultsStream);
    const out: MatchResultEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(topology.resultsStream, { seq });
      out.push(codec.decode(m.data) as MatchResultEvent);
    }
    return out;
  }

  it('spreads events over two workers and answers each id exactly once (duplicate delivery, bytes, url, bad event)', async () => {
    const js = nc.jetstream();
    const random = seededRandom(99);
    const ids: string[] = [];
    // 60 hash events: every 5th is the bank hash.
    for (let i = 0; i < 60; i++) {
      const id = `hash-${i}`;
      ids.push(id);
      await js.publish(
        topology.uploadsSubject,
        codec.encode({ id, hash: { signalType: 'ImagePDQ', value: i % 5 === 0 ? bankPdq : randomHex(random, 64) } }),
      );
    }
    // The same event delivered twice (a producer retry without msg id): two deliveries, one result.
    await js.publish(
      topology.uploadsSubject,
      codec.encode({ id: 'hash-0', hash: { signalType: 'ImagePDQ', value: bankPdq } }),
    );
    ids.push('bytes-1', 'url-1', 'bad-1');
    await js.publish(
      topology.uploadsSubject,
      codec.encode({ id: 'bytes-1', bytes: rotatedJpeg.toString('base64'), contentType: 'image/jpeg' }),
    );
    await js.publish(topology.uploadsSubject, codec.encode({ id: 'url-1', url: `${mediaUrl}/upload.jpg` }));
    await js.publish(
      topology.uploadsSubject,
      codec.encode({ id: 'bad-1', hash: { signalType: 'ImagePDQ', value: bankPdq }, url: 'http://x/y' }),
    );

    const results = await readResults(ids.length);
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(results).toHaveLength(ids.length); // hash-0 twice in, once out
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    const matched = results.filter((r) => r.ok && r.matched).map((r) => r.id);
    expect(matched.sort()).toEqual(
      [...Array.from({ length: 12 }, (_, i) => `hash-${i * 5}`), 'bytes-1', 'url-1'].sort(),
    );
    const bytes = byId.get('bytes-1');
    expect(bytes?.ok && bytes.matches[0]?.transform).not.toBe('orig');
    expect(byId.get('bad-1')).toMatchObject({ ok: false, error: { code: 'BAD_EVENT' } });
    // Both replicas took part (work-queue: each event to one of them).
    const perWorker = new Map<string, number>();
    for (const r of results) perWorker.set(r.worker, (perWorker.get(r.worker) ?? 0) + 1);
    expect([...perWorker.keys()].sort()).toEqual(['w1', 'w2']);
    // hash-0 was delivered twice; its second result was refused by JetStream as a duplicate.
    expect(workers[0]!.duplicatesDropped + workers[1]!.duplicatesDropped).toBeGreaterThanOrEqual(1);
  });

  it('drops the repeated result of an event whose result was published but never acknowledged', async () => {
    const js = nc.jetstream();
    // A "worker" that already published the result for crash-1 and died before acking the event.
    await js.publish(
      topology.resultsSubject,
      codec.encode({
        id: 'crash-1',
        ok: true,
        worker: 'dead',
        at: 'x',
        matched: true,
        query: { kind: 'hash', hashes: [] },
        matches: [],
      }),
      { msgID: 'crash-1' },
    );
    const before = workers[0]!.duplicatesDropped + workers[1]!.duplicatesDropped;
    await js.publish(
      topology.uploadsSubject,
      codec.encode({ id: 'crash-1', hash: { signalType: 'ImagePDQ', value: bankPdq } }),
    );
    const deadline = Date.now() + 10_000;
    while (workers[0]!.duplicatesDropped + workers[1]!.duplicatesDropped === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(workers[0]!.duplicatesDropped + workers[1]!.duplicatesDropped).toBe(before + 1);
    const results = (await readResults(0)).filter((r) => r.id === 'crash-1');
    expect(results).toHaveLength(1);
    expect(results[0]!.worker).toBe('dead');
    // The work queue is empty: every event was acknowledged.
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(topology.uploadsStream)).state.messages).toBe(0);
  });

  it('redelivers an event taken by a worker that died before acknowledging it', async () => {
    const topo: NatsTopology = {
      uploadsStream: `${topology.uploadsStream}_B`,
      uploadsSubject: `${topology.uploadsSubject}.b`,
      resultsStream: `${topology.resultsStream}_B`,
      resultsSubject: `${topology.resultsSubject}.b`,
      durable: `${topology.durable}_b`,
    };
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await ensureTopology(jsm, topo, { maxDeliver: 3, ackWaitMs: 1000 });
    let worker: NatsMatchConsumer | undefined;
    try {
      await js.publish(
        topo.uploadsSubject,
        codec.encode({ id: 'orphan-1', hash: { signalType: 'ImagePDQ', value: bankPdq } }),
      );
      // The "dead" worker pulls the event and never acks it.
      const dead = await js.consumers.get(topo.uploadsStream, topo.durable);
      const taken = await dead.next({ expires: 2000 });
      expect(taken?.seq).toBe(1);
      worker = new NatsMatchConsumer({
        servers: NATS_URL,
        matcher,
        topology: topo,
        worker: 'survivor',
        ackWaitMs: 1000,
        maxDeliver: 3,
      });
      await worker.start();
      const deadline = Date.now() + 10_000;
      while (worker.processed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(worker.processed).toBe(1);
      const result = await jsm.streams.getMessage(topo.resultsStream, { seq: 1 });
      expect(codec.decode(result.data)).toMatchObject({ id: 'orphan-1', ok: true, matched: true, worker: 'survivor' });
    } finally {
      await worker?.close();
      await jsm.streams.delete(topo.uploadsStream).catch(() => {});
      await jsm.streams.delete(topo.resultsStream).catch(() => {});
    }
  });
});
