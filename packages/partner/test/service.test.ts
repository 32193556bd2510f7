import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MatcherService } from '../src/matcher/service.js';
import { nodeMediaHasher } from '../src/media.js';
import { SyncedBank } from '../src/store/store.js';
import { makeImage, rotate90 } from './helpers/images.js';

let dir: string;
let store: SyncedBank;
let service: MatcherService;
let bankPdq: string;
let unrelatedPng: Buffer;
let originalPng: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'unseen-svc-'));
  store = new SyncedBank(path.join(dir, 'bank.sqlite'));
  originalPng = await makeImage(11);
  unrelatedPng = await makeImage(12);
  const hashed = await nodeMediaHasher.hashImageBytes(originalPng, { dihedral: false });
  bankPdq = hashed.variants[0]!.hex;
  store.applyPage(
    {
      count: 2,
      nextPageToken: null,
      nextSetTimestamp: 500,
      hasMoreRecords: false,
      hashRecords: [
        {
          lastModtimestamp: 500,
          signalType: 'ImagePDQ',
          hashValue: bankPdq,
          hashStatus: 'Active',
          caseNumbers: { A: 'Active' },
        },
        {
          lastModtimestamp: 500,
          signalType: 'VideoMD5',
          hashValue: 'cd'.repeat(16),
          hashStatus: 'Active',
          caseNumbers: { B: 'Active' },
        },
      ],
    },
    { startTimestamp: 10, nextPageToken: null, generation: null },
  );
  service = new MatcherService({ store, bodyLimitBytes: 2 * 1024 * 1024 });
  await service.start();
});

afterAll(async () => {
  await service.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MatcherService (offline, over its synced bank)', () => {
  it('matches a hash given as JSON', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: { signalType: 'ImagePDQ', hash: bankPdq },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      matched: true,
      matches: [{ signalType: 'ImagePDQ', hash: bankPdq, distance: 0, caseStatus: 'Active', caseCount: 1 }],
      threshold: 31,
      index: { size: 2, checkpoint: 500 },
    });
  });

  it('matches a rotated, re-encoded copy of the image (dihedral) and not an unrelated one', async () => {
    const rotated = await rotate90(originalPng);
    const res = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: rotated,
      headers: { 'content-type': 'image/jpeg' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.matched).toBe(true);
    expect(body.matches[0].hash).toBe(bankPdq);
    expect(body.matches[0].distance).toBeLessThanOrEqual(31);
    expect(body.matches[0].transform).not.toBe('orig');
    expect(body.query.kind).toBe('image');
    const other = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: unrelatedPng,
      headers: { 'content-type': 'image/png' },
    });
    expect(other.json()).toMatchObject({ matched: false, matches: [] });
  });

  it('without dihedral hashing the rotated copy is missed (the feature is what finds it)', async () => {
    const plain = await nodeMediaHasher.hashImageBytes(await rotate90(originalPng), { dihedral: false });
    const res = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: { signalType: 'ImagePDQ', hash: plain.variants[0]!.hex },
    });
    expect(res.json().matched).toBe(false);
  });

  it('answers errors in the bank error shape', async () => {
    const bad = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: { signalType: 'ImagePDQ', hash: 'zz' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('BAD_HASH');
    const wrong = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrong.statusCode).toBe(415);
    expect(wrong.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: Buffer.alloc(3 * 1024 * 1024),
      headers: { 'content-type': 'image/png' },
    });
    expect(big.statusCode).toBe(413);
    const junk = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: Buffer.from('not an image'),
      headers: { 'content-type': 'image/png' },
    });
    expect(junk.statusCode).toBe(422);
    expect(junk.json().error.code).toBe('MEDIA_UNREADABLE');
  });

  it('reports status, health and metrics', async () => {
    const status = (await service.app.inject({ url: '/status' })).json();
    expect(status).toMatchObject({
      ready: true,
      index: { total: 2, ImagePDQ: 1, VideoMD5: 1 },
      checkpoint: 500,
      syncing: false,
    });
    expect(status.checkpointAgeSeconds).toBeGreaterThan(0);
    expect((await service.app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    const metrics = (await service.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/unseen_matcher_index_size\{signal_type="ImagePDQ"\} 1/);
    expect(metrics).toMatch(/unseen_matcher_requests_total\{kind="hash",outcome="match"\} \d/);
  });
});
