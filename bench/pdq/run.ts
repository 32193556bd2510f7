// PDQ benchmark: hash step, file-to-hash (exact vs fast, split into decode and hash), parallel
// throughput, and sharp-phash (a pHash package from npm) measured in the same run.
//
//   node --conditions=unseen-source --import tsx bench/pdq/run.ts [--quick]
//
// Inputs are synthesised from a fixed seed, so every run hashes the same pixels.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashImageFileTimed, ImageHashPool } from '@unseen/media-node';
import { fromHex, hammingDistance, PdqHasher } from '@unseen/pdq';
import { createRequire } from 'node:module';
import sharp, { type SharpOptions } from 'sharp';
import { seededRandom } from '@unseen/test-support';

// sharp-phash is CommonJS whose typings declare an ES default export; load it the CommonJS way.
const phash = createRequire(import.meta.url)('sharp-phash') as (
  image: string | Buffer,
  options?: SharpOptions,
) => Promise<string>;

const SEED = 20261125;
const quick = process.argv.includes('--quick');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vectorsDir = path.resolve(repoRoot, '../shared/vectors/pdq');

/** Gradients, a few soft discs and noise: photo-like structure at several scales. */
function synthesise(width: number, height: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const discs = Array.from({ length: 12 }, () => ({
    x: random() * width,
    y: random() * height,
    r: (0.05 + random() * 0.25) * Math.min(width, height),
    c: [random() * 255, random() * 255, random() * 255],
  }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      let r = (x / width) * 160;
      let g = (y / height) * 160;
      let b = ((x + y) / (width + height)) * 120;
      for (const d of discs) {
        const dx = x - d.x;
        const dy = y - d.y;
        if (dx * dx + dy * dy < d.r * d.r) {
          r = (r + d.c[0]) / 2;
          g = (g + d.c[1]) / 2;
          b = (b + d.c[2]) / 2;
        }
      }
      const n = (random() - 0.5) * 24;
      data[i] = Math.max(0, Math.min(255, r + n));
      data[i + 1] = Math.max(0, Math.min(255, g + n));
      data[i + 2] = Math.max(0, Math.min(255, b + n));
    }
  }
  return data;
}

function stats(samples: number[]): { median: number; p10: number; p90: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  // The minimum is the best estimate of the uncontended cost on a shared machine.
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), min: s[0] };
}

async function timeAsync(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'unseen-bench-pdq-'));
  try {
    console.log(`# PDQ benchmark (seed ${SEED}${quick ? ', quick' : ''})`);
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    console.log(
      `load average at start: ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    // --- Hash step on 512x512 pixels ---------------------------------------------------------
    const small = synthesise(512, 512, SEED);
    const smallImg = { data: small, width: 512, height: 512, channels: 3 as const };
    const hasher = new PdqHasher();
    const out = new Uint8Array(32);
    for (let i = 0; i < 30; i++) hasher.hashPixelsInto(smallImg, out);
    const stepRuns = quick ? 50 : 300;
    const step: number[] = [];
    for (let i = 0; i < stepRuns; i++) {
      const t = performance.now();
      hasher.hashPixelsInto(smallImg, out);
      step.push(performance.now() - t);
    }
    const smallPng = await sharp(small, { raw: { width: 512, height: 512, channels: 3 } })
      .png()
      .toBuffer();
    const smallRaw = { raw: { width: 512, height: 512, channels: 3 as const } };
    const peerStep = await timeAsync(quick ? 10 : 60, () => phash(small, smallRaw));
    const s = stats(step);
    const ps = stats(peerStep);
    console.log('\n## Hash step, 512x512 RGB pixels in memory');
    console.log(
      `unseen PDQ      median ${ms(s.median)} (min ${ms(s.min)}, p10 ${ms(s.p10)}, p90 ${ms(s.p90)}), ${stepRuns} runs`,
    );
    console.log(
      `sharp-phash     median ${ms(ps.median)} (min ${ms(ps.min)}, p10 ${ms(ps.p10)}, p90 ${ms(ps.p90)}) [resize to 32x32 in libvips + JS DCT]`,
    );
    console.log(`ratio sharp-phash / PDQ: ${(ps.median / s.median).toFixed(2)}x`);

    // --- 4000x3000 JPEG, file to hash ----------------------------------------------------------
    const bigFile = path.join(dir, 'big-4000x3000.jpg');
    await sharp(synthesise(4000, 3000, SEED + 1), { raw: { width: 4000, height: 3000, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(bigFile);
    const smallFile = path.join(dir, 'small-512x512.png');
    await sharp(smallPng).toFile(smallFile);
    const fileRuns = quick ? 3 : 9;
    const measureFile = async (file: string, fast: boolean) => {
      const decode: number[] = [];
      const hash: number[] = [];
      const total: number[] = [];
      let result = '';
      await hashImageFileTimed(file, { fast });
      for (let i = 0; i < fileRuns; i++) {
        const t = performance.now();
        const { result: r, timing } = await hashImageFileTimed(file, { fast });
        total.push(performance.now() - t);
        decode.push(timing.decodeMs);
        hash.push(timing.hashMs);
        result = r.hash;
      }
      return {
        decode: stats(decode).median,
        hash: stats(hash).median,
        total: stats(total).median,
        minTotal: stats(total).min,
        result,
      };
    };
    const exact = await measureFile(bigFile, false);
    const fast = await measureFile(bigFile, true);
    const peerBig = stats(await timeAsync(fileRuns, () => phash(bigFile))).median;
    const smallExact = await measureFile(smallFile, false);
    const peerSmall = stats(await timeAsync(fileRuns * 3, () => phash(smallFile))).median;
    console.log('\n## File to hash (medians)');
    console.log(
      `4000x3000 JPEG exact: ${ms(exact.total)} = decode ${ms(exact.decode)} + squash/hash ${ms(exact.hash)} (min total ${ms(exact.minTotal)})`,
    );
    console.log(
      `4000x3000 JPEG fast:  ${ms(fast.total)} = decode ${ms(fast.decode)} + hash ${ms(fast.hash)} (min total ${ms(fast.minTotal)})`,
    );
    console.log(
      `  fast vs exact on this file: Hamming ${hammingDistance(fromHex(exact.result), fromHex(fast.result))}`,
    );
    console.log(`4000x3000 JPEG sharp-phash: ${ms(peerBig)}`);
    console.log(`512x512 PNG exact: ${ms(smallExact.total)}; sharp-phash: ${ms(peerSmall)}`);
    console.log(
      `ratios sharp-phash / PDQ: 4000x3000 exact ${(peerBig / exact.total).toFixed(2)}x, fast ${(peerBig / fast.total).toFixed(2)}x; 512x512 ${(peerSmall / smallExact.total).toFixed(2)}x`,
    );

    // --- Fast mode agreement with the reference ------------------------------------------------
    if (existsSync(path.join(vectorsDir, 'manifest.json'))) {
      const entries = (
        JSON.parse(readFileSync(path.join(vectorsDir, 'manifest.json'), 'utf8')) as {
          entries: { file: string; hash: string; quality: number }[];
        }
      ).entries;
      for (const fastMode of [false, true]) {
        let same = 0;
        let worst = 0;
        for (const e of entries) {
          const { result } = await hashImageFileTimed(path.join(vectorsDir, e.file), { fast: fastMode });
          const d = hammingDistance(fromHex(result.hash), fromHex(e.hash));
          if (d === 0) same++;
          if (e.quality >= 80) worst = Math.max(worst, d);
        }
        console.log(
          `${fastMode ? 'fast ' : 'exact'} mode vs reference vectors: ${same}/${entries.length} exact, max Hamming at quality >= 80: ${worst}`,
        );
      }
    }

    // --- Many files in parallel ----------------------------------------------------------------
    const count = quick ? 12 : 40;
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const file = path.join(dir, `batch-${i}.jpg`);
      await sharp(synthesise(1600, 1200, SEED + 100 + i), { raw: { width: 1600, height: 1200, channels: 3 } })
        .jpeg({ quality: 88 })
        .toFile(file);
      files.push(file);
    }
    console.log(`\n## Throughput: ${count} JPEGs of 1600x1200, exact mode (cores: ${availableParallelism()})`);
    let single = 0;
    for (const concurrency of [1, 2]) {
      const pool = new ImageHashPool(concurrency);
      try {
        // Warm-up: starts the workers (slow from TypeScript source) and JIT-compiles the hasher.
        await pool.hashFiles([smallFile, files[0], smallFile, files[1]]);
        const t = performance.now();
        const results = await pool.hashFiles(files);
        const elapsed = performance.now() - t;
        if (results.some((r) => !r.ok)) throw new Error('a batch file failed to hash');
        const rate = (count * 1000) / elapsed;
        if (concurrency === 1) single = rate;
        console.log(
          `${concurrency === 1 ? '1 thread (2 files in flight)' : `${concurrency} worker threads`}: ${rate.toFixed(1)} files/s${
            concurrency > 1 ? `, ${(rate / single).toFixed(2)}x of 1` : ''
          }`,
        );
      } finally {
        await pool.close();
      }
    }
    const tp = performance.now();
    for (const file of files) await phash(file);
    console.log(`sharp-phash sequential: ${((count * 1000) / (performance.now() - tp)).toFixed(1)} files/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
