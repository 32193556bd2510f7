/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashVideoFile } from '@unseen/media-node';
import { hammingDistance } from '@unseen/pdq';
import { matchPytx, type VpdqFeature } from '@unseen/vpdq';
import { build } from 'esbuild';
import { chromiumAvailable, launchChromium } from '@unseen/test-support';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageHashResult } from './fixtures/video-page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const VIDEOS = path.resolve(repoRoot, '../shared/vectors/vpdq/videos');

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(here, 'fixtures', entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['unseen-source'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

let server: Server;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  const [pageJs, workerJs] = await Promise.all([bundle('video-page.ts'), bundle('video-worker-entry.ts')]);
  const routes = new Map<string, () => { type: string; body: string | Buffer }>([
    [
      '/',
      () => ({
        type: 'text/html',
        body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
      }),
    ],
    ['/page.js', () => ({ type: 'text/javascript', body: pageJs })],
    ['/worker.js', () => ({ type: 'text/javascript', body: workerJs })],
  ]);
  server = createServer((request, response) => {
    const url = request.url ?? '/';
    const video = /^\/video\/([a-z0-9-]+\.mp4)$/.exec(url);
    const route = routes.get(url);
    if (video) {
      response.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(path.join(VIDEOS, video[1]!)));
    } else if (route) {
      const { type, body } = route();
      response.writeHead(200, { 'content-type': type }).end(body);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function hashInBrowser(video: string, secondsPerHash: number, useWorker: boolean): Promise<PageHashResult> {
  const page = await browser.newPage();
  try {
    await page.goto(origin);
    await page.waitForFunction(() => typeof window.hashVideo === 'function');
    return await page.evaluate(([url, sph, worker]) => window.hashVideo(url, sph, worker), [
      `/video/${video}`,
      secondsPerHash,
      useWorker,
    ] as const);
  } finally {
    await page.close();
  }
}

function bitDifferences(browserResult: PageHashResult, node: VpdqFeature[]): number[] {
  return browserResult.features.map((feature, index) => {
    const reference = node[index]!;
    expect(feature.frameNumber).toBe(reference.frameNumber);
    return hammingDistance(Uint8Array.from(Buffer.from(feature.hex, 'hex')), reference.hash);
  });
}

const summary = (bits: number[]) => ({
  mean: bits.reduce((a, b) => a + b, 0) / bits.length,
  median: [...bits].sort((a, b) => a - b)[Math.floor(bits.length / 2)]!,
  max: Math.max(...bits),
});

describe.skipIf(!chromiumAvailable)('hashVideoInBrowser in headless Chromium vs Node (exact mode)', () => {
  it('chair-19-sd-bar, one hash per second, hashing in a Web Worker', { timeout: 120_000 }, async () => {
    const node = await hashVideoFile(path.join(VIDEOS, 'chair-19-sd-bar.mp4'), { secondsPerHash: 1 });
    const inBrowser = await hashInBrowser('chair-19-sd-bar.mp4', 1, true);
    expect(inBrowser).toMatchObject({ fps: 30, fpsSource: 'container', frameCount: 564, width: 480, height: 720 });
    expect(inBrowser.features).toHaveLength(node.features.length);
    expect(inBrowser.progressCalls).toBe(node.features.length);
    const bits = summary(bitDifferences(inBrowser, node.features));
    console.info('browser vs node, chair-19-sd-bar @1 s:', bits);
    expect(bits.mean).toBeLessThanOrEqual(8);
    const asFeatures = inBrowser.features.map((f) => ({
      quality: f.quality,
      hash: Uint8Array.from(Buffer.from(f.hex, 'hex')),
    }));
    expect(matchPytx(asFeatures, node.features).isMatch).toBe(true);
  });

  it('doorknob-hd-no-bar (1280x720, fades), every 6th frame, main thread', { timeout: 120_000 }, async () => {
    const node = await hashVideoFile(path.join(VIDEOS, 'doorknob-hd-no-bar.mp4'), { secondsPerHash: 0.2 });
    const inBrowser = await hashInBrowser('doorknob-hd-no-bar.mp4', 0.2, false);
    expect(inBrowser.features.map((f) => f.frameNumber)).toEqual(node.features.map((f) => f.frameNumber));
    const usable = bitDifferences(inBrowser, node.features).filter((_, i) => node.features[i]!.quality >= 50);
    const bits = summary(usable);
    console.info('browser vs node, doorknob-hd-no-bar @0.2 s (quality >= 50 frames):', bits, 'of', usable.length);
    expect(bits.mean).toBeLessThanOrEqual(8);
  });

  it('aborts with ABORTED', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      await page.waitForFunction(() => typeof window.hashVideoAborted === 'function');
      expect(await page.evaluate((url) => window.hashVideoAborted(url), '/video/chair-19-sd-bar.mp4')).toBe('ABORTED');
    } finally {
      await page.close();
    }
  });
});
