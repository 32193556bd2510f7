// PDQ hash step micro-benchmark: `PdqHasher.hashPixelsInto` on a seeded 512x512 RGB buffer, two
// hashers alternating call by call in one process so both see the same machine load. Reports best and
// median wall time, median CPU time and the ratios, after checking that both produce the same hash
// and quality.
//
//   node --conditions=unseen-source --import tsx bench/pdq/hash-step.ts [--runs N]
//   node --conditions=unseen-source --import tsx bench/pdq/hash-step.ts --baseline-rev REV | --baseline DIR
//
// By default it compares the current sources' JavaScript kernel (`kernel: 'js'`, the reference path)
// with the WebAssembly kernel (`kernel: 'wasm'`). With `--baseline-rev REV` it compares the sources at
// commit REV (extracted with `git show` into a temporary directory; 9619f58 is the commit before the
// streaming filter) with the current sources in 'auto' mode; `--baseline DIR` uses a directory
// holding a copy of packages/pdq/src instead.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PdqHasher, type PixelBuffer } from '@unseen/pdq';
import { seededRandom } from '@unseen/test-support';

const SEED = 20261125;
const SIDE = 512;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Smooth gradients plus noise: enough structure for a real hash, no run of identical values. */
function synthesise(width: number, height: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      const n = (random() - 0.5) * 48;
      data[i] = Math.max(0, Math.min(255, (x / width) * 200 + n));
      data[i + 1] = Math.max(0, Math.min(255, (y / height) * 200 + n));
      data[i + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y) / 40) + n));
    }
  }
  return data;
}

interface Hasher {
  hashPixelsInto(img: PixelBuffer, out: Uint8Array, offset?: number): number;
}

interface Contenders {
  names: [string, string];
  hashers: [Hasher, Hasher];
  label: string;
  cleanup: () => void;
}

async function loadContenders(): Promise<Contenders> {
  const dir = option('--baseline');
  const rev = option('--baseline-rev');
  if (dir === undefined && rev === undefined) {
    return {
      names: ['js', 'wasm'],
      hashers: [new PdqHasher({ kernel: 'js' }), new PdqHasher({ kernel: 'wasm' })],
      label: "current sources, kernel 'js' against kernel 'wasm'",
      cleanup: () => {},
    };
  }
  const baseline = await loadBaseline(dir, rev ?? '9619f58');
  return {
    names: ['old', 'new'],
    hashers: [baseline.hasher, new PdqHasher()],
    label: `${baseline.label} against current sources ('auto' kernel)`,
    cleanup: baseline.cleanup,
  };
}

async function loadBaseline(
  dir: string | undefined,
  rev: string,
): Promise<{ hasher: Hasher; label: string; cleanup: () => void }> {
  if (dir !== undefined) {
    const mod = (await import(pathToFileURL(path.resolve(dir, 'index.ts')).href)) as { PdqHasher: new () => Hasher };
    return { hasher: new mod.PdqHasher(), label: dir, cleanup: () => {} };
  }
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const tmp = mkdtempSync(path.join(tmpdir(), 'unseen-pdq-baseline-'));
  const files = execFileSync('git', ['ls-tree', '--name-only', rev, 'packages/pdq/src/'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const text = execFileSync('git', ['show', `${rev}:${file}`], { cwd: repoRoot, encoding: 'utf8' });
    writeFileSync(path.join(tmp, path.basename(file)), text);
  }
  const mod = (await import(pathToFileURL(path.join(tmp, 'index.ts')).href)) as { PdqHasher: new () => Hasher };
  return {
    hasher: new mod.PdqHasher(),
    label: `git ${rev}`,
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

function summary(samples: number[]): { min: number; median: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

async function main(): Promise<void> {
  const runs = Number(option('--runs') ?? 400);
  const contenders = await loadContenders();
  try {
    const img: PixelBuffer = { data: synthesise(SIDE, SIDE, SEED), width: SIDE, height: SIDE, channels: 3 };
    const outOld = new Uint8Array(32);
    const outNew = new Uint8Array(32);
    const qOld = contenders.hashers[0].hashPixelsInto(img, outOld);
    const qNew = contenders.hashers[1].hashPixelsInto(img, outNew);
    if (qOld !== qNew || outOld.some((b, i) => b !== outNew[i])) {
      throw new Error(`${contenders.names.join(' and ')} disagree on the benchmark image`);
    }
    console.log(`# PDQ hash step, ${SIDE}x${SIDE} RGB, seed ${SEED}, ${runs} runs each, alternating`);
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    console.log(
      `load average at start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(`comparing: ${contenders.label}`);
    const hashers: [string, Hasher, Uint8Array][] = [
      [contenders.names[0], contenders.hashers[0], outOld],
      [contenders.names[1], contenders.hashers[1], outNew],
    ];
    for (let i = 0; i < 50; i++) for (const [, h, out] of hashers) h.hashPixelsInto(img, out);
    const wall: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    for (let i = 0; i < runs; i++) {
      // Swap the order every run so neither always follows the other (caches, GC).
      for (let k = 0; k < 2; k++) {
        const j = (i + k) & 1;
        const [, h, out] = hashers[j];
        const c = process.cpuUsage();
        const t = performance.now();
        h.hashPixelsInto(img, out);
        wall[j].push(performance.now() - t);
        const used = process.cpuUsage(c);
        cpu[j].push((used.user + used.system) / 1000);
      }
    }
    const rows = hashers.map(([name], j) => ({ name, wall: summary(wall[j]), cpu: summary(cpu[j]) }));
    for (const r of rows) {
      console.log(
        `${r.name}: best ${r.wall.min.toFixed(3)} ms, median ${r.wall.median.toFixed(3)} ms (median CPU ${r.cpu.median.toFixed(3)} ms)`,
      );
    }
    const [o, n] = rows;
    console.log(
      `${o.name}/${n.name}: best ${(o.wall.min / n.wall.min).toFixed(2)}x, median ${(o.wall.median / n.wall.median).toFixed(2)}x, ` +
        `CPU median ${(o.cpu.median / n.cpu.median).toFixed(2)}x`,
    );
    console.log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    contenders.cleanup();
  }
}

await main();
