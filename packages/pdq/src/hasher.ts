import { DCT_MATRIX } from './dct.js';
import { PdqError } from './errors.js';
import { HASH_BYTES, toHex } from './hex.js';
import { ensureKernelMemory, instantiateKernel, type KernelExports } from './kernel-wasm.js';
import {
  DIHEDRAL_NAMES,
  type DihedralHashes,
  type DihedralName,
  type HashOptions,
  type PdqHash,
  type PdqIntermediates,
  type PixelBuffer,
} from './types.js';

/** The reference CLI squashes images with a side above this to exactly this square. */
export const REFERENCE_SQUASH_SIDE = 512;
/** Below this on either side the reference returns an all-zero hash with quality 0. */
export const MIN_HASHABLE_SIDE = 5;

const fround = Math.fround;
const LUMA_R = fround(0.299);
const LUMA_G = fround(0.587);
const LUMA_B = fround(0.114);
const DECIMATED = 64;
/** Rows produced at a time by each stage of the streamed filter (the row passes interleave four rows). */
const ROW_BLOCK = 4;

interface PendingPixels {
  data: PixelBuffer['data'];
  channels: number;
  /** Samples per source row. */
  rowStride: number;
  srcHeight: number;
  squash: boolean;
  /** Size of the luma plane to produce (512x512 when squashed). */
  width: number;
  height: number;
}
const DCT_N = 16;

/**
 * Which implementation filters, decimates and transforms: 'wasm' the WebAssembly kernel
 * (wasm/kernel.ts, native f32 and SIMD), 'js' the JavaScript reference path, 'auto' (default) the
 * kernel when WebAssembly compiles here and JavaScript otherwise. Both give bit-identical results.
 */
export type PdqKernel = 'auto' | 'js' | 'wasm';

export interface PdqHasherOptions {
  kernel?: PdqKernel;
}

/**
 * A PDQ hasher that owns its scratch buffers, so hashing many images of the same size (video frames)
 * allocates nothing after the first call. Not safe to share between concurrent callers, which
 * JavaScript's single thread makes a non-issue unless a caller interleaves across `await`s.
 *
 * Every float operation is rounded to float32 in the reference's order: products and sums through
 * `Math.fround`, stored values through Float32Array. A double result of one +,-,*,/ on two float32
 * values rounded once to float32 equals the float32 operation, so this is bit-exact with the C++ code.
 */
export class PdqHasher {
  /** Whole luma plane: only for luma given by the caller and for the unfiltered 64x64 case. */
  private luma = new Float32Array(0);
  /** Luma of the rows being filtered, when it is computed from pixels. */
  private lumaRows = new Float32Array(0);
  /** The first row pass over the whole image. */
  private scratch = new Float32Array(0);
  /** Rows of the first column pass waiting for the second row pass. */
  private block = new Float32Array(0);
  /** The second row pass at the 64 sampled columns: height x 64. */
  private compact = new Float32Array(0);
  private columnSums = new Float32Array(0);
  private readonly squashCols = new Int32Array(REFERENCE_SQUASH_SIDE);
  private readonly decimateRows = new Int32Array(DECIMATED);
  private readonly decimateCols = new Int32Array(DECIMATED);
  private readonly buffer64 = new Float32Array(DECIMATED * DECIMATED);
  private readonly t16x64 = new Float32Array(DCT_N * DECIMATED);
  private readonly dct16 = new Float32Array(DCT_N * DCT_N);
  private readonly variant16 = new Float32Array(DCT_N * DCT_N);
  private readonly sorted = new Float32Array(DCT_N * DCT_N);
  private lastMedian = 0;
  private lastQuality = 0;
  /**
   * Pixels whose luma has not been computed yet. Luma is produced four rows at a time just before
   * the first filter pass reads them (still in cache), instead of in a separate pass over the image.
   */
  private pending: PendingPixels | null = null;
  private readonly kernelChoice: PdqKernel;
  /** The WebAssembly kernel: undefined until first needed, null when unavailable ('auto' then uses JS). */
  private wasm: KernelExports | null | undefined;

  constructor(opts: PdqHasherOptions = {}) {
    const kernel = opts.kernel ?? 'auto';
    if (kernel !== 'auto' && kernel !== 'js' && kernel !== 'wasm') {
      throw new TypeError(`kernel must be 'auto', 'js' or 'wasm', got ${String(kernel)}`);
    }
    this.kernelChoice = kernel;
    if (kernel === 'js') this.wasm = null;
  }

  /**
   * The implementation this hasher uses: 'wasm' or 'js'. Compiles the kernel on the first call in
   * 'auto' and 'wasm' mode; in 'wasm' mode throws when WebAssembly is unavailable.
   */
  activeKernel(): 'js' | 'wasm' {
    return this.kernel() === null ? 'js' : 'wasm';
  }

  /** Hashes pixels and returns a freshly allocated result. */
  hashPixels(img: PixelBuffer, opts: HashOptions = {}): PdqHash {
    const hash = new Uint8Array(HASH_BYTES);
    const quality = this.hashPixelsInto(img, hash, 0, opts);
    return { hash, hex: toHex(hash), quality };
  }

  /** Writes the 32-byte hash into `out` at `offset` and returns the quality. Allocation-free once warmed up. */
  hashPixelsInto(img: PixelBuffer, out: Uint8Array, offset = 0, opts: HashOptions = {}): number {
    const { width, height } = this.loadPixels(img, opts.fullResolution === true);
    return this.hashLoadedLuma(width, height, out, offset, true);
  }

  /** Hashes a float luma plane as is (no 512 squash: the caller chose the resolution). */
  hashLuma(luma: Float32Array, width: number, height: number): PdqHash {
    const hash = new Uint8Array(HASH_BYTES);
    const quality = this.hashLumaInto(luma, width, height, hash, 0);
    return { hash, hex: toHex(hash), quality };
  }

  hashLumaInto(luma: Float32Array, width: number, height: number, out: Uint8Array, offset = 0): number {
    this.loadLuma(luma, width, height);
    return this.hashLoadedLuma(width, height, out, offset, true);
  }

  dihedralHashes(img: PixelBuffer, opts: HashOptions = {}): DihedralHashes {
    const { width, height } = this.loadPixels(img, opts.fullResolution === true);
    return this.dihedralOfLoadedLuma(width, height);
  }

  dihedralHashesFromLuma(luma: Float32Array, width: number, height: number): DihedralHashes {
    this.loadLuma(luma, width, height);
    return this.dihedralOfLoadedLuma(width, height);
  }

  /** Hashes the pixels and returns the reference's intermediate float32 values (copies). */
  intermediates(img: PixelBuffer, opts: HashOptions = {}): PdqIntermediates & PdqHash {
    const result = this.hashPixels(img, opts);
    return {
      ...result,
      buffer64x64: this.buffer64.slice(),
      dct16x16: this.dct16.slice(),
      median: this.lastMedian,
    };
  }

  /** Drops scratch buffers above `maxPixels` so a single huge image does not pin its memory. */
  trim(maxPixels: number): void {
    // Linear memory cannot shrink: drop the instance, the next call makes a fresh one (the compiled
    // module is kept, so that costs microseconds).
    if (this.wasm && this.wasm.memory.buffer.byteLength > maxPixels * 12 + (1 << 20)) this.wasm = undefined;
    if (this.scratch.length > maxPixels || this.luma.length > maxPixels) {
      this.luma = new Float32Array(0);
      this.lumaRows = new Float32Array(0);
      this.scratch = new Float32Array(0);
      this.block = new Float32Array(0);
      this.compact = new Float32Array(0);
      this.columnSums = new Float32Array(0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  private ensureCapacity(width: number, height: number, wholeLuma: boolean): void {
    if (wholeLuma && this.luma.length < width * height) this.luma = new Float32Array(width * height);
  }

  /** Buffers of the JavaScript filter only (the WebAssembly kernel keeps its own in linear memory). */
  private ensureFilterCapacity(width: number, height: number): void {
    const pixels = width * height;
    const rows = ROW_BLOCK * width;
    if (this.lumaRows.length < rows) this.lumaRows = new Float32Array(rows);
    if (this.block.length < rows) this.block = new Float32Array(rows);
    if (this.scratch.length < pixels) this.scratch = new Float32Array(pixels);
    if (this.compact.length < height * DECIMATED) this.compact = new Float32Array(height * DECIMATED);
    const sums = Math.max(width, DECIMATED);
    if (this.columnSums.length < sums) this.columnSums = new Float32Array(sums);
  }

  private loadLuma(luma: Float32Array, width: number, height: number): void {
    checkDimensions(width, height);
    if (!(luma instanceof Float32Array)) {
      throw new PdqError('BUFFER_LENGTH_MISMATCH', 'luma must be a Float32Array');
    }
    const n = width * height;
    if (luma.length !== n) {
      throw new PdqError(
        'BUFFER_LENGTH_MISMATCH',
        `luma has ${luma.length} values, expected ${width}x${height} = ${n}`,
      );
    }
    for (let i = 0; i < n; i++) {
      // v - v is NaN exactly when v is NaN or infinite; either would poison every running sum.
      const v = luma[i];
      if (v - v !== 0) throw new PdqError('NAN_INPUT', `luma value at index ${i} is ${v}`);
    }
    this.ensureCapacity(width, height, true);
    this.luma.set(luma);
    this.pending = null;
  }

  /** Validates pixels and fills `this.luma`, applying the reference's 512 squash unless full resolution. */
  private loadPixels(img: PixelBuffer, fullResolution: boolean): { width: number; height: number } {
    const { data, width, height, channels } = img;
    checkDimensions(width, height);
    if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
      throw new PdqError('INVALID_CHANNELS', `channels must be 1, 2, 3 or 4, got ${String(channels)}`);
    }
    if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof Uint16Array)) {
      throw new PdqError('BUFFER_LENGTH_MISMATCH', 'pixel data must be a Uint8Array, Uint8ClampedArray or Uint16Array');
    }
    const expected = width * height * channels;
    if (data.length !== expected) {
      throw new PdqError(
        'BUFFER_LENGTH_MISMATCH',
        `pixel data has ${data.length} samples, expected ${width}x${height}x${channels} = ${expected}`,
      );
    }
    const squash = !fullResolution && (width > REFERENCE_SQUASH_SIDE || height > REFERENCE_SQUASH_SIDE);
    const outW = squash ? REFERENCE_SQUASH_SIDE : width;
    const outH = squash ? REFERENCE_SQUASH_SIDE : height;
    this.ensureCapacity(outW, outH, outW === DECIMATED && outH === DECIMATED);
    if (squash) {
      // Nearest-neighbour squash: src = floor(dst * size / 512), applied while computing luma.
      for (let x = 0; x < outW; x++) this.squashCols[x] = Math.floor((x * width) / outW) * channels;
    }
    this.pending = {
      data,
      channels,
      rowStride: width * channels,
      srcHeight: height,
      squash,
      width: outW,
      height: outH,
    };
    return { width: outW, height: outH };
  }

  /** Computes luma for output rows y0 <= y < y1 of the pending pixels into `luma` from index `at`. */
  private fillLumaRows(y0: number, y1: number, luma: Float32Array, at: number): void {
    const p = this.pending;
    if (p === null) return;
    if (p.squash) {
      squashToLuma(p.data, p.channels, p.rowStride, p.srcHeight, p.height, this.squashCols, p.width, luma, at, y0, y1);
    } else if (p.channels < 3) {
      greyToLuma(p.data, p.channels, luma, at, y0 * p.width, y1 * p.width);
    } else {
      rgbToLuma(p.data, p.channels, luma, at, y0 * p.width, y1 * p.width);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Core

  /** Fills buffer64 and dct16 from `this.luma`; returns false for images too small to hash. */
  private downsampleAndTransform(width: number, height: number, skipFilterAt64: boolean): boolean {
    if (width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE) {
      this.pending = null;
      this.buffer64.fill(0);
      this.dct16.fill(0);
      this.lastMedian = 0;
      this.lastQuality = 0;
      return false;
    }
    if (skipFilterAt64 && width === DECIMATED && height === DECIMATED) {
      // The reference's plain hash takes a 64x64 input as the decimated buffer directly.
      this.fillLumaRows(0, height, this.luma, 0);
      this.buffer64.set(this.luma.subarray(0, DECIMATED * DECIMATED));
    } else if (this.filterInWasm(width, height)) {
      this.pending = null;
      this.lastQuality = qualityOf(this.buffer64);
      return true;
    } else {
      this.jaroszAndDecimate(width, height);
    }
    this.pending = null; // do not keep the caller's pixels alive
    this.lastQuality = qualityOf(this.buffer64);
    this.dct64To16();
    return true;
  }

  private kernel(): KernelExports | null {
    if (this.wasm === undefined) {
      try {
        this.wasm = instantiateKernel();
      } catch (error) {
        if (this.kernelChoice === 'wasm') throw error;
        this.wasm = null;
      }
    }
    return this.wasm;
  }

  /**
   * The filter, decimation and DCT in the WebAssembly kernel: copies the input into its memory (only
   * the 512x512 samples that the squash keeps, and for RGB only R, G, B), runs it and copies buffer64
   * and dct16 back. Returns false when the JavaScript path must do the work instead.
   */
  private filterInWasm(width: number, height: number): boolean {
    const kernel = this.kernel();
    if (kernel === null) return false;
    const p = this.pending;
    const at = kernel.inputOffset(width, height);
    const n = width * height;
    const kind = p === null ? 0 : p.channels < 3 ? 1 : 3;
    const stride = p === null ? 1 : p.squash ? kind : p.channels;
    const bytes = p === null ? n * 4 : n * stride;
    try {
      // 16 bytes of slack: the luma loop loads whole vectors from the last pixel group.
      ensureKernelMemory(kernel, at + bytes + 16);
    } catch (error) {
      // Out of memory for the kernel: the JavaScript path may still fit.
      if (this.kernelChoice === 'wasm') throw error;
      return false;
    }
    const memory = kernel.memory.buffer;
    if (p === null) {
      new Float32Array(memory, at, n).set(this.luma.subarray(0, n));
    } else if (p.squash) {
      squashInto(
        p.data,
        p.channels,
        p.rowStride,
        p.srcHeight,
        p.height,
        this.squashCols,
        p.width,
        new Uint8Array(memory, at, bytes),
      );
    } else {
      // A Uint16Array source is converted element by element modulo 256: the low byte, as the reference.
      new Uint8Array(memory, at, bytes).set(p.data);
    }
    kernel.filter(width, height, kind, stride);
    kernel.dct();
    this.buffer64.set(new Float32Array(memory, kernel.bufferOffset(), DECIMATED * DECIMATED));
    this.dct16.set(new Float32Array(memory, kernel.dctOffset(), DCT_N * DCT_N));
    return true;
  }

  private hashLoadedLuma(width: number, height: number, out: Uint8Array, offset: number, skipAt64: boolean): number {
    if (out.length < offset + HASH_BYTES) {
      throw new PdqError('INVALID_HASH_LENGTH', `output needs ${HASH_BYTES} bytes from offset ${offset}`);
    }
    if (!this.downsampleAndTransform(width, height, skipAt64)) {
      out.fill(0, offset, offset + HASH_BYTES);
      return 0;
    }
    this.lastMedian = this.thresholdToBits(this.dct16, out, offset);
    return this.lastQuality;
  }

  private dihedralOfLoadedLuma(width: number, height: number): DihedralHashes {
    // The reference's dihedral entry point always filters, even a 64x64 input.
    const ok = this.downsampleAndTransform(width, height, false);
    const hashes = {} as Record<DihedralName, { hash: Uint8Array; hex: string }>;
    for (const name of DIHEDRAL_NAMES) {
      const hash = new Uint8Array(HASH_BYTES);
      if (ok) {
        dihedralVariant(name, this.dct16, this.variant16);
        const median = this.thresholdToBits(this.variant16, hash, 0);
        if (name === 'orig') this.lastMedian = median;
      }
      hashes[name] = { hash, hex: toHex(hash) };
    }
    return { quality: ok ? this.lastQuality : 0, hashes };
  }

  /**
   * Two passes of (box along rows, box along columns) with the reference's window sizes, then nearest
   * decimation to 64x64 into buffer64, streamed top to bottom so every intermediate row is still in
   * cache when it is read again: luma rows are produced a block at a time and filtered along rows; as
   * soon as the column filter's window for a block of output rows is available, those rows are
   * filtered along columns into a small block buffer and immediately filtered along rows again. Only
   * 64x64 samples of the second pass are ever read, so its row pass keeps every running sum (they carry
   * float32 rounding history) but divides and stores only at the 64 sampled columns, and its column
   * pass filters just those 64 columns down to the 64 sampled rows.
   */
  private jaroszAndDecimate(width: number, height: number): void {
    this.ensureFilterCapacity(width, height);
    const windowAlongRows = Math.floor((width + 2 * DECIMATED - 1) / (2 * DECIMATED));
    const windowAlongCols = Math.floor((height + 2 * DECIMATED - 1) / (2 * DECIMATED));
    const rowsIdx = this.decimateRows;
    const colsIdx = this.decimateCols;
    for (let i = 0; i < DECIMATED; i++) {
      rowsIdx[i] = Math.floor(((i + 0.5) * height) / DECIMATED);
      colsIdx[i] = Math.floor(((i + 0.5) * width) / DECIMATED);
    }
    const rowFiltered = this.scratch;
    const block = this.block;
    const compact = this.compact;
    const sums = this.columnSums;
    sums.fill(0, 0, width);
    // Output row o of the column filter averages rows o - lag + 1 .. o + lead (clipped): it adds row
    // o + lead and subtracts row o - lag, as the reference's running sum does.
    const half = (windowAlongCols + 2) >> 1;
    const lead = half - 1;
    const lag = windowAlongCols - half + 1;
    let produced = 0;
    for (let o0 = 0; o0 < height; o0 += ROW_BLOCK) {
      const o1 = Math.min(height, o0 + ROW_BLOCK);
      const needed = Math.min(height, o1 + lead);
      while (produced < needed) {
        const end = Math.min(height, produced + ROW_BLOCK);
        this.firstRowPass(produced, end, width, windowAlongRows);
        produced = end;
      }
      if (o0 === 0) {
        for (let r = 0; r < lead; r++) addRowInto(sums, rowFiltered, r * width, width);
      }
      for (let o = o0; o < o1; o++) {
        const enter = o + lead;
        const leave = o - lag;
        const count = Math.min(height - 1, enter) - Math.max(0, leave + 1) + 1;
        const out = (o - o0) * width;
        if (enter < height && leave >= 0) {
          columnStepSlide(sums, rowFiltered, enter * width, leave * width, block, out, width, count);
        } else if (enter < height) {
          columnStepGrow(sums, rowFiltered, enter * width, block, out, width, count);
        } else {
          columnStepShrink(sums, rowFiltered, leave * width, block, out, width, count);
        }
      }
      boxAlongRowsAtColumns(block, compact, o0 * DECIMATED, o1 - o0, width, windowAlongRows, colsIdx);
    }
    boxAlongColsAtRows(compact, this.buffer64, height, windowAlongCols, rowsIdx, sums);
  }

  /** Luma of rows y0 <= y < y1 (computed now for pixels, read from `this.luma` when given), filtered along rows into scratch. */
  private firstRowPass(y0: number, y1: number, width: number, window: number): void {
    if (this.pending === null) {
      boxAlongRows(this.luma, y0 * width, this.scratch, y0 * width, y1 - y0, width, window);
    } else {
      this.fillLumaRows(y0, y1, this.lumaRows, 0);
      boxAlongRows(this.lumaRows, 0, this.scratch, y0 * width, y1 - y0, width, window);
    }
  }

  /** B = D * A * D^T with A the 64x64 buffer, accumulated in ascending index order like the reference. */
  private dct64To16(): void {
    const d = DCT_MATRIX;
    const a = this.buffer64;
    const t = this.t16x64;
    const b = this.dct16;
    // T = D * A, computed row of D times A; the inner sum over k must run k = 0..63 per (i, j).
    for (let i = 0; i < DCT_N; i++) {
      const dRow = i * DECIMATED;
      const tRow = i * DECIMATED;
      for (let j = 0; j < DECIMATED; j++) t[tRow + j] = 0;
      for (let k = 0; k < DECIMATED; k++) {
        const dik = d[dRow + k];
        const aRow = k * DECIMATED;
        // Four columns per iteration; each t entry still sums over k in ascending order.
        for (let j = 0; j < DECIMATED; j += 4) {
          const tj = tRow + j;
          const aj = aRow + j;
          t[tj] = t[tj] + fround(dik * a[aj]);
          t[tj + 1] = t[tj + 1] + fround(dik * a[aj + 1]);
          t[tj + 2] = t[tj + 2] + fround(dik * a[aj + 2]);
          t[tj + 3] = t[tj + 3] + fround(dik * a[aj + 3]);
        }
      }
    }
    for (let i = 0; i < DCT_N; i++) {
      const tRow = i * DECIMATED;
      // Four independent dot products at once: each is a serial chain of roundings, k ascending.
      for (let j = 0; j < DCT_N; j += 4) {
        const d0 = j * DECIMATED;
        const d1 = d0 + DECIMATED;
        const d2 = d1 + DECIMATED;
        const d3 = d2 + DECIMATED;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < DECIMATED; k++) {
          const tk = t[tRow + k];
          s0 = fround(s0 + fround(tk * d[d0 + k]));
          s1 = fround(s1 + fround(tk * d[d1 + k]));
          s2 = fround(s2 + fround(tk * d[d2 + k]));
          s3 = fround(s3 + fround(tk * d[d3 + k]));
        }
        const at = i * DCT_N + j;
        b[at] = s0;
        b[at + 1] = s1;
        b[at + 2] = s2;
        b[at + 3] = s3;
      }
    }
  }

  /** Sets bit k = 16i + j when B[i][j] exceeds the lower median; returns the median. */
  private thresholdToBits(coefficients: Float32Array, out: Uint8Array, offset: number): number {
    const sorted = this.sorted;
    sorted.set(coefficients);
    sorted.sort();
    // Torben's method in the reference returns the lower median: the 128th smallest of 256.
    const median = sorted[127];
    out.fill(0, offset, offset + HASH_BYTES);
    for (let k = 0; k < 256; k++) {
      if (coefficients[k] > median) {
        // Bit k lives in 16-bit word k >> 4 at bit k & 15; words are printed big-endian, word 15 first.
        const bit = k & 15;
        const byte = 2 * (15 - (k >> 4)) + (bit >= 8 ? 0 : 1);
        out[offset + byte] |= 1 << (bit & 7);
      }
    }
    return median;
  }
}

function checkDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new PdqError('INVALID_DIMENSIONS', `width and height must be non-negative integers, got ${width}x${height}`);
  }
  if (width === 0 || height === 0) throw new PdqError('ZERO_SIZE', `image is ${width}x${height}`);
}

// Luma products by sample value, float32-rounded, kept as doubles so reading them needs no conversion.
const LUMA_R_TABLE = Float64Array.from({ length: 256 }, (_, v) => fround(LUMA_R * v));
const LUMA_G_TABLE = Float64Array.from({ length: 256 }, (_, v) => fround(LUMA_G * v));
const LUMA_B_TABLE = Float64Array.from({ length: 256 }, (_, v) => fround(LUMA_B * v));

type Samples = PixelBuffer['data'];

/** Y = (0.299 R + 0.587 G) + 0.114 B in float32; `& 255` keeps the low byte of 16-bit samples, as the reference. */
function rgbToLuma(data: Samples, channels: number, luma: Float32Array, at: number, start: number, end: number): void {
  if (channels === 3 && !(data instanceof Uint16Array)) {
    rgb8ToLuma(data, luma, at, start * 3, end - start);
    return;
  }
  for (let i = at, p = start * channels, q = end * channels; p < q; i++, p += channels) {
    luma[i] = fround(LUMA_R_TABLE[data[p] & 255] + LUMA_G_TABLE[data[p + 1] & 255]) + LUMA_B_TABLE[data[p + 2] & 255];
  }
}

/** The common case, 8-bit RGB: no low-byte mask, and four pixels per iteration (less loop overhead). */
function rgb8ToLuma(data: Uint8Array | Uint8ClampedArray, luma: Float32Array, at: number, p: number, n: number): void {
  const r = LUMA_R_TABLE;
  const g = LUMA_G_TABLE;
  const b = LUMA_B_TABLE;
  let i = at;
  const end = at + n;
  for (; i + 4 <= end; i += 4, p += 12) {
    luma[i] = fround(r[data[p]] + g[data[p + 1]]) + b[data[p + 2]];
    luma[i + 1] = fround(r[data[p + 3]] + g[data[p + 4]]) + b[data[p + 5]];
    luma[i + 2] = fround(r[data[p + 6]] + g[data[p + 7]]) + b[data[p + 8]];
    luma[i + 3] = fround(r[data[p + 9]] + g[data[p + 10]]) + b[data[p + 11]];
  }
  for (; i < end; i++, p += 3) luma[i] = fround(r[data[p]] + g[data[p + 1]]) + b[data[p + 2]];
}

/** The reference uses the grey value itself as luma (no coefficients); a second (alpha) channel is ignored. */
function greyToLuma(data: Samples, channels: number, luma: Float32Array, at: number, start: number, end: number): void {
  for (let i = at, p = start * channels, q = end * channels; p < q; i++, p += channels) luma[i] = data[p] & 255;
}

/** The nearest-neighbour squash of 8-bit samples into `out`, keeping R, G, B (or grey) only; `& 255` by the byte store. */
function squashInto(
  data: Samples,
  channels: number,
  rowStride: number,
  height: number,
  outH: number,
  cols: Int32Array,
  outW: number,
  out: Uint8Array,
): void {
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const rowStart = Math.floor((y * height) / outH) * rowStride;
    if (channels < 3) {
      for (let x = 0; x < outW; x++) out[o++] = data[rowStart + cols[x]];
    } else {
      for (let x = 0; x < outW; x++, o += 3) {
        const p = rowStart + cols[x];
        out[o] = data[p];
        out[o + 1] = data[p + 1];
        out[o + 2] = data[p + 2];
      }
    }
  }
}

function squashToLuma(
  data: Samples,
  channels: number,
  rowStride: number,
  height: number,
  outH: number,
  cols: Int32Array,
  outW: number,
  luma: Float32Array,
  at: number,
  y0: number,
  y1: number,
): void {
  for (let y = y0, i = at; y < y1; y++) {
    const rowStart = Math.floor((y * height) / outH) * rowStride;
    if (channels < 3) {
      for (let x = 0; x < outW; x++, i++) luma[i] = data[rowStart + cols[x]] & 255;
    } else {
      for (let x = 0; x < outW; x++, i++) {
        const p = rowStart + cols[x];
        luma[i] =
          fround(LUMA_R_TABLE[data[p] & 255] + LUMA_G_TABLE[data[p + 1] & 255]) + LUMA_B_TABLE[data[p + 2] & 255];
      }
    }
  }
}

/** Phase lengths of the reference's running-sum box filter over `length` samples with window `window`. */
function boxPhases(length: number, window: number): [number, number, number, number] {
  // With half = (w + 2) / 2 the output at i averages i - (w - half) .. i + half - 1, clipped to the vector:
  // accumulate without output, grow the window while writing, slide, shrink.
  const half = (window + 2) >> 1;
  return [half - 1, window - half + 1, length - window, half - 1];
}

/**
 * 1 / n when n is a power of two, else 0. Dividing by a power of two and multiplying by its reciprocal
 * give the same double exactly, and a multiplication is several times cheaper than a division; for
 * other divisors the two can differ in the last bit, so those keep the division.
 */
function exactReciprocal(n: number): number {
  return (n & (n - 1)) === 0 ? 1 / n : 0;
}

/**
 * One box-filter pass along each of `rows` rows, from `input` at `inAt` to `output` at `outAt`: a
 * running float32 sum per row (add the entering sample, then subtract the leaving one) divided by the
 * current window size. Four rows run interleaved: each row's sum is a serial chain of rounding steps,
 * and independent chains side by side keep the CPU busy.
 */
function boxAlongRows(
  input: Float32Array,
  inAt: number,
  output: Float32Array,
  outAt: number,
  rows: number,
  cols: number,
  window: number,
): void {
  const [p1, p2, p3, p4] = boxPhases(cols, window);
  const inv = exactReciprocal(window);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = inAt + r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    const o0 = outAt + r * cols;
    const o1 = o0 + cols;
    const o2 = o1 + cols;
    const o3 = o2 + cols;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let ri = 0;
    let li = 0;
    let count = 0;
    for (let n = 0; n < p1; n++, ri++) {
      s0 = fround(s0 + input[b0 + ri]);
      s1 = fround(s1 + input[b1 + ri]);
      s2 = fround(s2 + input[b2 + ri]);
      s3 = fround(s3 + input[b3 + ri]);
      count++;
    }
    let oi = 0;
    for (let n = 0; n < p2; n++, ri++, oi++) {
      s0 = fround(s0 + input[b0 + ri]);
      s1 = fround(s1 + input[b1 + ri]);
      s2 = fround(s2 + input[b2 + ri]);
      s3 = fround(s3 + input[b3 + ri]);
      count++;
      output[o0 + oi] = s0 / count;
      output[o1 + oi] = s1 / count;
      output[o2 + oi] = s2 / count;
      output[o3 + oi] = s3 / count;
    }
    if (inv !== 0) {
      for (let n = 0; n < p3; n++, ri++, li++, oi++) {
        s0 = fround(fround(s0 + input[b0 + ri]) - input[b0 + li]);
        s1 = fround(fround(s1 + input[b1 + ri]) - input[b1 + li]);
        s2 = fround(fround(s2 + input[b2 + ri]) - input[b2 + li]);
        s3 = fround(fround(s3 + input[b3 + ri]) - input[b3 + li]);
        output[o0 + oi] = s0 * inv;
        output[o1 + oi] = s1 * inv;
        output[o2 + oi] = s2 * inv;
        output[o3 + oi] = s3 * inv;
      }
    } else {
      for (let n = 0; n < p3; n++, ri++, li++, oi++) {
        s0 = fround(fround(s0 + input[b0 + ri]) - input[b0 + li]);
        s1 = fround(fround(s1 + input[b1 + ri]) - input[b1 + li]);
        s2 = fround(fround(s2 + input[b2 + ri]) - input[b2 + li]);
        s3 = fround(fround(s3 + input[b3 + ri]) - input[b3 + li]);
        output[o0 + oi] = s0 / count;
        output[o1 + oi] = s1 / count;
        output[o2 + oi] = s2 / count;
        output[o3 + oi] = s3 / count;
      }
    }
    for (let n = 0; n < p4; n++, li++, oi++) {
      s0 = fround(s0 - input[b0 + li]);
      s1 = fround(s1 - input[b1 + li]);
      s2 = fround(s2 - input[b2 + li]);
      s3 = fround(s3 - input[b3 + li]);
      count--;
      output[o0 + oi] = s0 / count;
      output[o1 + oi] = s1 / count;
      output[o2 + oi] = s2 / count;
      output[o3 + oi] = s3 / count;
    }
  }
  for (; r < rows; r++) {
    let ri = inAt + r * cols;
    let li = ri;
    let oi = outAt + r * cols;
    let sum = 0;
    let count = 0;
    for (let n = 0; n < p1; n++) {
      sum = fround(sum + input[ri++]);
      count++;
    }
    for (let n = 0; n < p2; n++) {
      sum = fround(sum + input[ri++]);
      count++;
      output[oi++] = sum / count;
    }
    for (let n = 0; n < p3; n++) {
      sum = fround(fround(sum + input[ri++]) - input[li++]);
      output[oi++] = sum / count;
    }
    for (let n = 0; n < p4; n++) {
      sum = fround(sum - input[li++]);
      count--;
      output[oi++] = sum / count;
    }
  }
}

/**
 * The row pass again, but producing only the 64 decimation columns: row r of `input` becomes 64
 * values of `output` from `outAt + 64 r`, entry j being the filtered value at column sampleCols[j]
 * (ascending, possibly repeated). Every running sum still visits every sample (its rounding history
 * matters); only the divisions and stores are skipped. Four rows run interleaved, as in boxAlongRows.
 */
function boxAlongRowsAtColumns(
  input: Float32Array,
  output: Float32Array,
  outAt: number,
  rows: number,
  cols: number,
  window: number,
  sampleCols: Int32Array,
): void {
  const [p1, p2, p3, p4] = boxPhases(cols, window);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    const o0 = outAt + r * DECIMATED;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let ri = 0;
    let li = 0;
    let o = 0;
    let next = 0;
    let count = 0;
    for (let n = 0; n < p1; n++, ri++) {
      s0 = fround(s0 + input[b0 + ri]);
      s1 = fround(s1 + input[b1 + ri]);
      s2 = fround(s2 + input[b2 + ri]);
      s3 = fround(s3 + input[b3 + ri]);
      count++;
    }
    for (let n = 0; n < p2; n++, ri++, o++) {
      s0 = fround(s0 + input[b0 + ri]);
      s1 = fround(s1 + input[b1 + ri]);
      s2 = fround(s2 + input[b2 + ri]);
      s3 = fround(s3 + input[b3 + ri]);
      count++;
      while (next < DECIMATED && sampleCols[next] === o) {
        output[o0 + next] = s0 / count;
        output[o0 + DECIMATED + next] = s1 / count;
        output[o0 + 2 * DECIMATED + next] = s2 / count;
        output[o0 + 3 * DECIMATED + next] = s3 / count;
        next++;
      }
    }
    // The sliding phase runs from sample column to sample column without testing every step.
    const slideEnd = o + p3;
    while (o < slideEnd) {
      const stop = next < DECIMATED && sampleCols[next] < slideEnd ? sampleCols[next] + 1 : slideEnd;
      for (; o < stop; o++, ri++, li++) {
        s0 = fround(fround(s0 + input[b0 + ri]) - input[b0 + li]);
        s1 = fround(fround(s1 + input[b1 + ri]) - input[b1 + li]);
        s2 = fround(fround(s2 + input[b2 + ri]) - input[b2 + li]);
        s3 = fround(fround(s3 + input[b3 + ri]) - input[b3 + li]);
      }
      while (next < DECIMATED && sampleCols[next] === o - 1) {
        output[o0 + next] = s0 / count;
        output[o0 + DECIMATED + next] = s1 / count;
        output[o0 + 2 * DECIMATED + next] = s2 / count;
        output[o0 + 3 * DECIMATED + next] = s3 / count;
        next++;
      }
    }
    for (let n = 0; n < p4; n++, li++, o++) {
      s0 = fround(s0 - input[b0 + li]);
      s1 = fround(s1 - input[b1 + li]);
      s2 = fround(s2 - input[b2 + li]);
      s3 = fround(s3 - input[b3 + li]);
      count--;
      while (next < DECIMATED && sampleCols[next] === o) {
        output[o0 + next] = s0 / count;
        output[o0 + DECIMATED + next] = s1 / count;
        output[o0 + 2 * DECIMATED + next] = s2 / count;
        output[o0 + 3 * DECIMATED + next] = s3 / count;
        next++;
      }
    }
  }
  for (; r < rows; r++) {
    let ri = r * cols;
    let li = ri;
    const outBase = outAt + r * DECIMATED;
    let o = 0;
    let next = 0;
    let sum = 0;
    let count = 0;
    for (let n = 0; n < p1; n++) {
      sum = fround(sum + input[ri++]);
      count++;
    }
    for (let n = 0; n < p2; n++, o++) {
      sum = fround(sum + input[ri++]);
      count++;
      while (next < DECIMATED && sampleCols[next] === o) output[outBase + next++] = sum / count;
    }
    for (let n = 0; n < p3; n++, o++) {
      sum = fround(fround(sum + input[ri++]) - input[li++]);
      while (next < DECIMATED && sampleCols[next] === o) output[outBase + next++] = sum / count;
    }
    for (let n = 0; n < p4; n++, o++) {
      sum = fround(sum - input[li++]);
      count--;
      while (next < DECIMATED && sampleCols[next] === o) output[outBase + next++] = sum / count;
    }
  }
}

/** Adds row `at` of `rows` into the running column sums (the Float32Array store rounds each sum). */
function addRowInto(sums: Float32Array, rows: Float32Array, at: number, cols: number): void {
  for (let c = 0; c < cols; c++) sums[c] = sums[c] + rows[at + c];
}

/**
 * One output row of the column filter while the window slides: every column's sum adds the entering
 * row, rounds, subtracts the leaving row and rounds (the store). Columns are independent, so unlike a
 * row pass there is no serial chain within the loop.
 */
function columnStepSlide(
  sums: Float32Array,
  rows: Float32Array,
  enter: number,
  leave: number,
  out: Float32Array,
  outAt: number,
  cols: number,
  count: number,
): void {
  const inv = exactReciprocal(count);
  if (inv !== 0) {
    // Four columns per iteration: V8 runs this 1.6x faster than one (less loop overhead per column).
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const e = enter + c;
      const l = leave + c;
      const o = outAt + c;
      const s0 = fround(fround(sums[c] + rows[e]) - rows[l]);
      const s1 = fround(fround(sums[c + 1] + rows[e + 1]) - rows[l + 1]);
      const s2 = fround(fround(sums[c + 2] + rows[e + 2]) - rows[l + 2]);
      const s3 = fround(fround(sums[c + 3] + rows[e + 3]) - rows[l + 3]);
      sums[c] = s0;
      sums[c + 1] = s1;
      sums[c + 2] = s2;
      sums[c + 3] = s3;
      out[o] = s0 * inv;
      out[o + 1] = s1 * inv;
      out[o + 2] = s2 * inv;
      out[o + 3] = s3 * inv;
    }
    for (; c < cols; c++) {
      const s = fround(fround(sums[c] + rows[enter + c]) - rows[leave + c]);
      sums[c] = s;
      out[outAt + c] = s * inv;
    }
  } else {
    for (let c = 0; c < cols; c++) {
      const s = fround(fround(sums[c] + rows[enter + c]) - rows[leave + c]);
      sums[c] = s;
      out[outAt + c] = s / count;
    }
  }
}

/** One output row of the column filter while the window grows at the top edge (no row leaves yet). */
function columnStepGrow(
  sums: Float32Array,
  rows: Float32Array,
  enter: number,
  out: Float32Array,
  outAt: number,
  cols: number,
  count: number,
): void {
  for (let c = 0; c < cols; c++) {
    const s = fround(sums[c] + rows[enter + c]);
    sums[c] = s;
    out[outAt + c] = s / count;
  }
}

/** One output row of the column filter while the window shrinks at the bottom edge (no row enters). */
function columnStepShrink(
  sums: Float32Array,
  rows: Float32Array,
  leave: number,
  out: Float32Array,
  outAt: number,
  cols: number,
  count: number,
): void {
  for (let c = 0; c < cols; c++) {
    const s = fround(sums[c] - rows[leave + c]);
    sums[c] = s;
    out[outAt + c] = s / count;
  }
}

/**
 * The column pass over the compact `rows x 64` buffer, writing the filtered value of row sampleRows[i]
 * into row i of the 64x64 output: the decimation, fused.
 */
function boxAlongColsAtRows(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  window: number,
  sampleRows: Int32Array,
  sums: Float32Array,
): void {
  const [p1, p2, p3, p4] = boxPhases(rows, window);
  const cols = DECIMATED;
  sums.fill(0, 0, cols);
  let ri = 0;
  let li = 0;
  let o = 0;
  let next = 0;
  let count = 0;
  const emit = (): void => {
    while (next < DECIMATED && sampleRows[next] === o) {
      const outBase = next * DECIMATED;
      for (let c = 0; c < cols; c++) output[outBase + c] = sums[c] / count;
      next++;
    }
  };
  for (let n = 0; n < p1; n++, ri += cols) {
    for (let c = 0; c < cols; c++) sums[c] = sums[c] + input[ri + c];
    count++;
  }
  for (let n = 0; n < p2; n++, ri += cols, o++) {
    count++;
    for (let c = 0; c < cols; c++) sums[c] = sums[c] + input[ri + c];
    emit();
  }
  for (let n = 0; n < p3; n++, ri += cols, li += cols, o++) {
    for (let c = 0; c < cols; c++) sums[c] = fround(sums[c] + input[ri + c]) - input[li + c];
    emit();
  }
  for (let n = 0; n < p4; n++, li += cols, o++) {
    count--;
    for (let c = 0; c < cols; c++) sums[c] = sums[c] - input[li + c];
    emit();
  }
}

/** The reference's image-domain quality: summed absolute neighbour gradients on the 64x64 buffer, / 90, capped at 100. */
function qualityOf(buf: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < DECIMATED - 1; i++) {
    for (let j = 0; j < DECIMATED; j++) {
      const u = buf[i * DECIMATED + j];
      const v = buf[(i + 1) * DECIMATED + j];
      gradientSum += Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
    }
  }
  for (let i = 0; i < DECIMATED; i++) {
    for (let j = 0; j < DECIMATED - 1; j++) {
      const u = buf[i * DECIMATED + j];
      const v = buf[i * DECIMATED + j + 1];
      gradientSum += Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

/**
 * The DCT of a rotated or mirrored image, derived from the original's coefficients by sign changes
 * (odd/even frequency parity; index i is frequency i + 1) and, for the four that swap axes, transposition.
 */
function dihedralVariant(name: DihedralName, a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < DCT_N; i++) {
    for (let j = 0; j < DCT_N; j++) {
      const v = a[i * DCT_N + j];
      switch (name) {
        case 'orig':
          b[i * DCT_N + j] = v;
          break;
        case 'rot90':
          b[j * DCT_N + i] = j & 1 ? v : -v;
          break;
        case 'rot180':
          b[i * DCT_N + j] = (i + j) & 1 ? -v : v;
          break;
        case 'rot270':
          b[j * DCT_N + i] = i & 1 ? v : -v;
          break;
        case 'flipx':
          b[i * DCT_N + j] = i & 1 ? v : -v;
          break;
        case 'flipy':
          b[i * DCT_N + j] = j & 1 ? v : -v;
          break;
        case 'flipp':
          b[j * DCT_N + i] = v;
          break;
        case 'flipm':
          b[j * DCT_N + i] = (i + j) & 1 ? -v : v;
          break;
      }
    }
  }
}
