// AssemblyScript source of the PDQ filter kernel: luma, the two Jarosz box-filter passes and the
// decimation to 64x64, then the 64 -> 16 DCT. `npm run build:wasm -w @unseen/pdq` compiles it into
// src/kernel-wasm.generated.ts. It is the same streamed algorithm as the JavaScript path in
// src/hasher.ts (which stays the reference), written in native f32: every element goes through the
// same float32 operations in the same order, so the results are bit-identical. SIMD (f32x4) runs
// only across independent values: adjacent columns in the column passes and the luma, and for the
// row passes eight rows transposed so that each lane carries one row's running sum. Every lane
// performs exactly the scalar sequence of its element; WebAssembly f32 arithmetic is IEEE binary32
// with round-to-nearest and no flush-to-zero, in scalar and SIMD alike, and has no fused multiply-add.
//
// Memory layout (bytes from __heap_base, 16-byte aligned): the work area (see layout()), then the
// caller's input at inputOffset(). The caller grows the memory and copies the input in.

const DECIMATED: i32 = 64;
const DCT_N: i32 = 16;
/** Rows handled at a time by each streamed stage: two f32x4 chains of four rows in the row passes. */
const ROW_BLOCK: i32 = 8;
const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;

// Offsets into the work area, set by layout().
let lumaRowsAt: usize = 0;
let transposedAt: usize = 0;
let transposedOutAt: usize = 0;
let samplesAt: usize = 0;
let scratchAt: usize = 0;
let blockAt: usize = 0;
let compactAt: usize = 0;
let sumsAt: usize = 0;
let rowsIdxAt: usize = 0;
let colsIdxAt: usize = 0;
let bufferAt: usize = 0;
let dctAt: usize = 0;
let tAt: usize = 0;
let dctMatrixAt: usize = 0;
let workEnd: usize = 0;

function align16(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

function layout(width: i32, height: i32): void {
  const w = <usize>width;
  const h = <usize>height;
  let p = align16(__heap_base);
  dctMatrixAt = p;
  p += align16((<usize>(DCT_N * DECIMATED)) << 2);
  bufferAt = p;
  p += (<usize>(DECIMATED * DECIMATED)) << 2;
  dctAt = p;
  p += (<usize>(DCT_N * DCT_N)) << 2;
  tAt = p;
  p += (<usize>(DCT_N * DECIMATED)) << 2;
  rowsIdxAt = p;
  p += (<usize>DECIMATED) << 2;
  colsIdxAt = p;
  p += (<usize>DECIMATED) << 2;
  lumaRowsAt = p;
  p += align16((<usize>ROW_BLOCK * w) << 2);
  transposedAt = p;
  p += align16((<usize>ROW_BLOCK * w) << 2);
  transposedOutAt = p;
  p += align16((<usize>ROW_BLOCK * w) << 2);
  samplesAt = p;
  p += (<usize>(DECIMATED * 8)) << 2;
  blockAt = p;
  p += align16((<usize>ROW_BLOCK * w) << 2);
  sumsAt = p;
  p += align16((w > <usize>DECIMATED ? w : <usize>DECIMATED) << 2);
  compactAt = p;
  p += (h * <usize>DECIMATED) << 2;
  scratchAt = p;
  p += align16((w * h) << 2);
  workEnd = p;
}

/** Where the input goes for a width x height filter: the first byte after the work area. */
export function inputOffset(width: i32, height: i32): usize {
  layout(width, height);
  return workEnd;
}

/** The 64x64 decimated buffer (f32, row-major), valid after run(). */
export function bufferOffset(): usize {
  return bufferAt;
}

/** The 16x16 DCT (f32, row-major), valid after run(). */
export function dctOffset(): usize {
  return dctAt;
}

/** The 16x64 DCT matrix, written by the caller (the JavaScript module builds it in double, as the reference). */
export function dctMatrixOffset(): usize {
  return align16(__heap_base);
}

// ---------------------------------------------------------------------------------------------
// Luma

// Input kinds: 0 = an f32 luma plane; 1 = 8-bit samples, luma = first channel; 3 = 8-bit, RGB in the first three.
let inputAt: usize = 0;
let inputKind: i32 = 0;
let channels: i32 = 0;

/** Swizzle mask that moves byte `i * stride + channel` into the low byte of i32 lane i, zeroing the rest. */
function laneMask(stride: i32, channel: i32): v128 {
  let m = i32x4.splat(-256 | channel);
  m = i32x4.replace_lane(m, 1, -256 | (stride + channel));
  m = i32x4.replace_lane(m, 2, -256 | (2 * stride + channel));
  m = i32x4.replace_lane(m, 3, -256 | (3 * stride + channel));
  return m;
}

/**
 * Luma of rows y0 <= y < y1 of a width-wide image into lumaRows (row-major), four pixels per f32x4:
 * a swizzle widens each pixel's sample bytes to i32 lanes, then every lane computes exactly the
 * scalar (R*0.299 + G*0.587) + B*0.114 in f32. Reads up to 16 bytes from the last group's start; the
 * caller pads the input by 16 bytes.
 */
function fillLumaRows(y0: i32, y1: i32, width: i32): void {
  const n = (y1 - y0) * width;
  const c = <usize>channels;
  let p = inputAt + <usize>(y0 * width) * c;
  let o = lumaRowsAt;
  const end = o + ((<usize>n) << 2);
  const vecEnd = o + ((<usize>(n & ~3)) << 2);
  const step = c << 2;
  if (inputKind === 3) {
    const mr = laneMask(channels, 0);
    const mg = laneMask(channels, 1);
    const mb = laneMask(channels, 2);
    const vr = f32x4.splat(LUMA_R);
    const vg = f32x4.splat(LUMA_G);
    const vb = f32x4.splat(LUMA_B);
    if (channels === 3) {
      // Packed RGB, the common case: one single-input byte shuffle groups the four pixels' R, G and B
      // bytes, zero-extensions (one instruction each) widen them to i32 lanes.
      for (; o < vecEnd; o += 16, p += 12) {
        const v = v128.load(p);
        const grouped = i8x16.shuffle(v, v, 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 12, 13, 14, 15);
        const rg = i16x8.extend_low_i8x16_u(grouped);
        const r = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(rg));
        const g = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(rg));
        const b = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_high_i8x16_u(grouped)));
        v128.store(o, f32x4.add(f32x4.add(f32x4.mul(vr, r), f32x4.mul(vg, g)), f32x4.mul(vb, b)));
      }
    }
    if (channels === 4) {
      // RGBA (canvas pixels): the same with a stride of four bytes, alpha ignored.
      for (; o < vecEnd; o += 16, p += 16) {
        const v = v128.load(p);
        const grouped = i8x16.shuffle(v, v, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        const rg = i16x8.extend_low_i8x16_u(grouped);
        const r = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(rg));
        const g = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(rg));
        const b = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_high_i8x16_u(grouped)));
        v128.store(o, f32x4.add(f32x4.add(f32x4.mul(vr, r), f32x4.mul(vg, g)), f32x4.mul(vb, b)));
      }
    }
    for (; o < vecEnd; o += 16, p += step) {
      const v = v128.load(p);
      const r = f32x4.convert_i32x4_s(i8x16.swizzle(v, mr));
      const g = f32x4.convert_i32x4_s(i8x16.swizzle(v, mg));
      const b = f32x4.convert_i32x4_s(i8x16.swizzle(v, mb));
      v128.store(o, f32x4.add(f32x4.add(f32x4.mul(vr, r), f32x4.mul(vg, g)), f32x4.mul(vb, b)));
    }
    for (; o < end; o += 4, p += c) {
      const r = <f32>load<u8>(p);
      const g = <f32>load<u8>(p, 1);
      const b = <f32>load<u8>(p, 2);
      store<f32>(o, LUMA_R * r + LUMA_G * g + LUMA_B * b);
    }
  } else {
    const m = laneMask(channels, 0);
    for (; o < vecEnd; o += 16, p += step) v128.store(o, f32x4.convert_i32x4_s(i8x16.swizzle(v128.load(p), m)));
    for (; o < end; o += 4, p += c) store<f32>(o, <f32>load<u8>(p));
  }
}

// ---------------------------------------------------------------------------------------------
// Box filter pieces (see the JavaScript functions of the same names in src/hasher.ts)

let p1: i32 = 0;
let p2: i32 = 0;
let p3: i32 = 0;
let p4: i32 = 0;

function boxPhases(length: i32, window: i32): void {
  const half = (window + 2) >> 1;
  p1 = half - 1;
  p2 = window - half + 1;
  p3 = length - window;
  p4 = half - 1;
}

/** 1 / n when n is a power of two (then s * (1/n) == s / n exactly), else 0. */
function exactReciprocal(n: i32): f32 {
  return (n & (n - 1)) === 0 ? <f32>1 / <f32>n : 0;
}

/**
 * Running-sum box filter along `rows` rows of `cols` floats, four rows interleaved (independent
 * chains); for blocks of fewer than eight rows (the bottom of the image).
 */
function boxAlongRows(input: usize, output: usize, rows: i32, cols: i32, window: i32): void {
  boxPhases(cols, window);
  const inv = exactReciprocal(window);
  const stride = (<usize>cols) << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = input + <usize>r * stride;
    const b1 = b0 + stride;
    const b2 = b1 + stride;
    const b3 = b2 + stride;
    let o0 = output + <usize>r * stride;
    let s0: f32 = 0;
    let s1: f32 = 0;
    let s2: f32 = 0;
    let s3: f32 = 0;
    let ri: usize = 0;
    let li: usize = 0;
    let count = 0;
    for (let n = 0; n < p1; n++, ri += 4) {
      s0 = s0 + load<f32>(b0 + ri);
      s1 = s1 + load<f32>(b1 + ri);
      s2 = s2 + load<f32>(b2 + ri);
      s3 = s3 + load<f32>(b3 + ri);
      count++;
    }
    for (let n = 0; n < p2; n++, ri += 4, o0 += 4) {
      s0 = s0 + load<f32>(b0 + ri);
      s1 = s1 + load<f32>(b1 + ri);
      s2 = s2 + load<f32>(b2 + ri);
      s3 = s3 + load<f32>(b3 + ri);
      count++;
      const fc = <f32>count;
      store<f32>(o0, s0 / fc);
      store<f32>(o0 + stride, s1 / fc);
      store<f32>(o0 + 2 * stride, s2 / fc);
      store<f32>(o0 + 3 * stride, s3 / fc);
    }
    if (inv !== 0) {
      for (let n = 0; n < p3; n++, ri += 4, li += 4, o0 += 4) {
        s0 = s0 + load<f32>(b0 + ri) - load<f32>(b0 + li);
        s1 = s1 + load<f32>(b1 + ri) - load<f32>(b1 + li);
        s2 = s2 + load<f32>(b2 + ri) - load<f32>(b2 + li);
        s3 = s3 + load<f32>(b3 + ri) - load<f32>(b3 + li);
        store<f32>(o0, s0 * inv);
        store<f32>(o0 + stride, s1 * inv);
        store<f32>(o0 + 2 * stride, s2 * inv);
        store<f32>(o0 + 3 * stride, s3 * inv);
      }
    } else {
      const fc = <f32>count;
      for (let n = 0; n < p3; n++, ri += 4, li += 4, o0 += 4) {
        s0 = s0 + load<f32>(b0 + ri) - load<f32>(b0 + li);
        s1 = s1 + load<f32>(b1 + ri) - load<f32>(b1 + li);
        s2 = s2 + load<f32>(b2 + ri) - load<f32>(b2 + li);
        s3 = s3 + load<f32>(b3 + ri) - load<f32>(b3 + li);
        store<f32>(o0, s0 / fc);
        store<f32>(o0 + stride, s1 / fc);
        store<f32>(o0 + 2 * stride, s2 / fc);
        store<f32>(o0 + 3 * stride, s3 / fc);
      }
    }
    for (let n = 0; n < p4; n++, li += 4, o0 += 4) {
      s0 = s0 - load<f32>(b0 + li);
      s1 = s1 - load<f32>(b1 + li);
      s2 = s2 - load<f32>(b2 + li);
      s3 = s3 - load<f32>(b3 + li);
      count--;
      const fc = <f32>count;
      store<f32>(o0, s0 / fc);
      store<f32>(o0 + stride, s1 / fc);
      store<f32>(o0 + 2 * stride, s2 / fc);
      store<f32>(o0 + 3 * stride, s3 / fc);
    }
  }
  for (; r < rows; r++) {
    let ri = input + <usize>r * stride;
    let li = ri;
    let oi = output + <usize>r * stride;
    let sum: f32 = 0;
    let count = 0;
    for (let n = 0; n < p1; n++, ri += 4) {
      sum = sum + load<f32>(ri);
      count++;
    }
    for (let n = 0; n < p2; n++, ri += 4, oi += 4) {
      sum = sum + load<f32>(ri);
      count++;
      store<f32>(oi, sum / <f32>count);
    }
    for (let n = 0; n < p3; n++, ri += 4, li += 4, oi += 4) {
      sum = sum + load<f32>(ri) - load<f32>(li);
      store<f32>(oi, sum / <f32>count);
    }
    for (let n = 0; n < p4; n++, li += 4, oi += 4) {
      sum = sum - load<f32>(li);
      count--;
      store<f32>(oi, sum / <f32>count);
    }
  }
}

/** Stores the four row sums at every sample column equal to `o`; returns the next sample index. */
function emitColumns(next: i32, o: i32, out: usize, s0: f32, s1: f32, s2: f32, s3: f32, fc: f32): i32 {
  while (next < DECIMATED && load<i32>(colsIdxAt + ((<usize>next) << 2)) === o) {
    const at = out + ((<usize>next) << 2);
    store<f32>(at, s0 / fc);
    store<f32>(at, s1 / fc, DECIMATED * 4);
    store<f32>(at, s2 / fc, DECIMATED * 8);
    store<f32>(at, s3 / fc, DECIMATED * 12);
    next++;
  }
  return next;
}

/** The second row pass, dividing and storing only at the 64 sample columns (rows x 64 output); for blocks of fewer than eight rows. */
function boxAlongRowsAtColumns(input: usize, output: usize, rows: i32, cols: i32, window: i32): void {
  boxPhases(cols, window);
  const stride = (<usize>cols) << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = input + <usize>r * stride;
    const b1 = b0 + stride;
    const b2 = b1 + stride;
    const b3 = b2 + stride;
    const out = output + ((<usize>(r * DECIMATED)) << 2);
    let s0: f32 = 0;
    let s1: f32 = 0;
    let s2: f32 = 0;
    let s3: f32 = 0;
    let ri: usize = 0;
    let li: usize = 0;
    let o = 0;
    let next = 0;
    let count = 0;
    for (let n = 0; n < p1; n++, ri += 4) {
      s0 = s0 + load<f32>(b0 + ri);
      s1 = s1 + load<f32>(b1 + ri);
      s2 = s2 + load<f32>(b2 + ri);
      s3 = s3 + load<f32>(b3 + ri);
      count++;
    }
    for (let n = 0; n < p2; n++, ri += 4, o++) {
      s0 = s0 + load<f32>(b0 + ri);
      s1 = s1 + load<f32>(b1 + ri);
      s2 = s2 + load<f32>(b2 + ri);
      s3 = s3 + load<f32>(b3 + ri);
      count++;
      next = emitColumns(next, o, out, s0, s1, s2, s3, <f32>count);
    }
    const fc = <f32>count;
    const slideEnd = o + p3;
    while (o < slideEnd) {
      let stop = slideEnd;
      if (next < DECIMATED) {
        const sc = load<i32>(colsIdxAt + ((<usize>next) << 2));
        if (sc < slideEnd) stop = sc + 1;
      }
      for (; o < stop; o++, ri += 4, li += 4) {
        s0 = s0 + load<f32>(b0 + ri) - load<f32>(b0 + li);
        s1 = s1 + load<f32>(b1 + ri) - load<f32>(b1 + li);
        s2 = s2 + load<f32>(b2 + ri) - load<f32>(b2 + li);
        s3 = s3 + load<f32>(b3 + ri) - load<f32>(b3 + li);
      }
      next = emitColumns(next, o - 1, out, s0, s1, s2, s3, fc);
    }
    for (let n = 0; n < p4; n++, li += 4, o++) {
      s0 = s0 - load<f32>(b0 + li);
      s1 = s1 - load<f32>(b1 + li);
      s2 = s2 - load<f32>(b2 + li);
      s3 = s3 - load<f32>(b3 + li);
      count--;
      next = emitColumns(next, o, out, s0, s1, s2, s3, <f32>count);
    }
  }
  for (; r < rows; r++) {
    let ri = input + <usize>r * stride;
    let li = ri;
    const out = output + ((<usize>(r * DECIMATED)) << 2);
    let o = 0;
    let next = 0;
    let sum: f32 = 0;
    let count = 0;
    for (let n = 0; n < p1; n++, ri += 4) {
      sum = sum + load<f32>(ri);
      count++;
    }
    for (let n = 0; n < p2; n++, ri += 4, o++) {
      sum = sum + load<f32>(ri);
      count++;
      next = emitOne(next, o, out, sum, <f32>count);
    }
    for (let n = 0; n < p3; n++, ri += 4, li += 4, o++) {
      sum = sum + load<f32>(ri) - load<f32>(li);
      next = emitOne(next, o, out, sum, <f32>count);
    }
    for (let n = 0; n < p4; n++, li += 4, o++) {
      sum = sum - load<f32>(li);
      count--;
      next = emitOne(next, o, out, sum, <f32>count);
    }
  }
}

function emitOne(next: i32, o: i32, out: usize, sum: f32, fc: f32): i32 {
  while (next < DECIMATED && load<i32>(colsIdxAt + ((<usize>next) << 2)) === o) {
    store<f32>(out + ((<usize>next) << 2), sum / fc);
    next++;
  }
  return next;
}

// Column filter steps: one output row over all columns, four columns per f32x4 (each lane does the
// scalar sequence add, round, subtract, round, divide).

function addRowInto(sums: usize, row: usize, cols: i32): void {
  const bytes = (<usize>cols) << 2;
  let c: usize = 0;
  for (; c + 16 <= bytes; c += 16) v128.store(sums + c, f32x4.add(v128.load(sums + c), v128.load(row + c)));
  for (; c < bytes; c += 4) store<f32>(sums + c, load<f32>(sums + c) + load<f32>(row + c));
}

function columnStepSlide(sums: usize, enter: usize, leave: usize, out: usize, cols: i32, count: i32): void {
  const bytes = (<usize>cols) << 2;
  const inv = exactReciprocal(count);
  const fc = <f32>count;
  let c: usize = 0;
  if (inv !== 0) {
    const vinv = f32x4.splat(inv);
    for (; c + 16 <= bytes; c += 16) {
      const s = f32x4.sub(f32x4.add(v128.load(sums + c), v128.load(enter + c)), v128.load(leave + c));
      v128.store(sums + c, s);
      v128.store(out + c, f32x4.mul(s, vinv));
    }
    for (; c < bytes; c += 4) {
      const s = load<f32>(sums + c) + load<f32>(enter + c) - load<f32>(leave + c);
      store<f32>(sums + c, s);
      store<f32>(out + c, s * inv);
    }
  } else {
    const vc = f32x4.splat(fc);
    for (; c + 16 <= bytes; c += 16) {
      const s = f32x4.sub(f32x4.add(v128.load(sums + c), v128.load(enter + c)), v128.load(leave + c));
      v128.store(sums + c, s);
      v128.store(out + c, f32x4.div(s, vc));
    }
    for (; c < bytes; c += 4) {
      const s = load<f32>(sums + c) + load<f32>(enter + c) - load<f32>(leave + c);
      store<f32>(sums + c, s);
      store<f32>(out + c, s / fc);
    }
  }
}

function columnStepGrow(sums: usize, enter: usize, out: usize, cols: i32, count: i32): void {
  const bytes = (<usize>cols) << 2;
  const fc = <f32>count;
  const vc = f32x4.splat(fc);
  let c: usize = 0;
  for (; c + 16 <= bytes; c += 16) {
    const s = f32x4.add(v128.load(sums + c), v128.load(enter + c));
    v128.store(sums + c, s);
    v128.store(out + c, f32x4.div(s, vc));
  }
  for (; c < bytes; c += 4) {
    const s = load<f32>(sums + c) + load<f32>(enter + c);
    store<f32>(sums + c, s);
    store<f32>(out + c, s / fc);
  }
}

function columnStepShrink(sums: usize, leave: usize, out: usize, cols: i32, count: i32): void {
  const bytes = (<usize>cols) << 2;
  const fc = <f32>count;
  const vc = f32x4.splat(fc);
  let c: usize = 0;
  for (; c + 16 <= bytes; c += 16) {
    const s = f32x4.sub(v128.load(sums + c), v128.load(leave + c));
    v128.store(sums + c, s);
    v128.store(out + c, f32x4.div(s, vc));
  }
  for (; c < bytes; c += 4) {
    const s = load<f32>(sums + c) - load<f32>(leave + c);
    store<f32>(sums + c, s);
    store<f32>(out + c, s / fc);
  }
}

/** Copies sums / count into 64-wide output row(s) for every sample row equal to `o`. */
function emitRows(next: i32, o: i32, count: i32): i32 {
  const vc = f32x4.splat(<f32>count);
  while (next < DECIMATED && load<i32>(rowsIdxAt + ((<usize>next) << 2)) === o) {
    const out = bufferAt + ((<usize>(next * DECIMATED)) << 2);
    for (let c: usize = 0; c < <usize>(DECIMATED * 4); c += 16) {
      v128.store(out + c, f32x4.div(v128.load(sumsAt + c), vc));
    }
    next++;
  }
  return next;
}

/** The last column pass over the compact rows x 64 buffer, writing only the 64 sample rows. */
function boxAlongColsAtRows(rows: i32, window: i32): void {
  boxPhases(rows, window);
  const rowBytes = <usize>(DECIMATED * 4);
  memory.fill(sumsAt, 0, rowBytes);
  let ri = compactAt;
  let li = compactAt;
  let o = 0;
  let next = 0;
  let count = 0;
  for (let n = 0; n < p1; n++, ri += rowBytes) {
    addRowInto(sumsAt, ri, DECIMATED);
    count++;
  }
  for (let n = 0; n < p2; n++, ri += rowBytes, o++) {
    count++;
    addRowInto(sumsAt, ri, DECIMATED);
    next = emitRows(next, o, count);
  }
  for (let n = 0; n < p3; n++, ri += rowBytes, li += rowBytes, o++) {
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const s = f32x4.sub(f32x4.add(v128.load(sumsAt + c), v128.load(ri + c)), v128.load(li + c));
      v128.store(sumsAt + c, s);
    }
    next = emitRows(next, o, count);
  }
  for (let n = 0; n < p4; n++, li += rowBytes, o++) {
    count--;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      v128.store(sumsAt + c, f32x4.sub(v128.load(sumsAt + c), v128.load(li + c)));
    }
    next = emitRows(next, o, count);
  }
}

/** Transposes a 4x4 block given as four rows into four columns. */
function transposeStore(a: v128, b: v128, c: v128, d: v128, at: usize, step: usize): void {
  const ab0 = i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const ab1 = i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const cd0 = i8x16.shuffle(c, d, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const cd1 = i8x16.shuffle(c, d, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  v128.store(at, i8x16.shuffle(ab0, cd0, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  v128.store(at + step, i8x16.shuffle(ab0, cd0, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
  v128.store(at + 2 * step, i8x16.shuffle(ab1, cd1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  v128.store(at + 3 * step, i8x16.shuffle(ab1, cd1, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
}

/** 8 rows x cols (row-major, `stride` bytes apart) to cols x 8: column c's eight values at dst + 32 c. */
function transposeIn8(src: usize, stride: usize, dst: usize, cols: i32): void {
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const s = src + ((<usize>c) << 2);
    const d = dst + ((<usize>c) << 5);
    transposeStore(v128.load(s), v128.load(s + stride), v128.load(s + 2 * stride), v128.load(s + 3 * stride), d, 32);
    const s4 = s + 4 * stride;
    transposeStore(
      v128.load(s4),
      v128.load(s4 + stride),
      v128.load(s4 + 2 * stride),
      v128.load(s4 + 3 * stride),
      d + 16,
      32,
    );
  }
  for (; c < cols; c++) {
    for (let r = 0; r < 8; r++) {
      store<f32>(dst + ((<usize>c) << 5) + ((<usize>r) << 2), load<f32>(src + <usize>r * stride + ((<usize>c) << 2)));
    }
  }
}

/** The inverse of transposeIn8. */
function transposeOut8(src: usize, dst: usize, stride: usize, cols: i32): void {
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const s = src + ((<usize>c) << 5);
    const d = dst + ((<usize>c) << 2);
    transposeStore(v128.load(s), v128.load(s, 32), v128.load(s, 64), v128.load(s, 96), d, stride);
    transposeStore(v128.load(s, 16), v128.load(s, 48), v128.load(s, 80), v128.load(s, 112), d + 4 * stride, stride);
  }
  for (; c < cols; c++) {
    for (let r = 0; r < 8; r++) {
      store<f32>(dst + <usize>r * stride + ((<usize>c) << 2), load<f32>(src + ((<usize>c) << 5) + ((<usize>r) << 2)));
    }
  }
}

/**
 * The row pass over eight transposed rows: lanes are rows, so each lane of the two f32x4 sums runs
 * exactly the scalar chain of its row (add, round, subtract, round, divide), two chains side by side.
 */
function boxAlongRows8T(input: usize, output: usize, cols: i32, window: i32): void {
  boxPhases(cols, window);
  const inv = exactReciprocal(window);
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let ri = input;
  let li = input;
  let o = output;
  let count = 0;
  for (let n = 0; n < p1; n++, ri += 32) {
    s0 = f32x4.add(s0, v128.load(ri));
    s1 = f32x4.add(s1, v128.load(ri, 16));
    count++;
  }
  for (let n = 0; n < p2; n++, ri += 32, o += 32) {
    s0 = f32x4.add(s0, v128.load(ri));
    s1 = f32x4.add(s1, v128.load(ri, 16));
    count++;
    const fc = f32x4.splat(<f32>count);
    v128.store(o, f32x4.div(s0, fc));
    v128.store(o, f32x4.div(s1, fc), 16);
  }
  if (inv !== 0) {
    const vi = f32x4.splat(inv);
    for (let n = 0; n < p3; n++, ri += 32, li += 32, o += 32) {
      s0 = f32x4.sub(f32x4.add(s0, v128.load(ri)), v128.load(li));
      s1 = f32x4.sub(f32x4.add(s1, v128.load(ri, 16)), v128.load(li, 16));
      v128.store(o, f32x4.mul(s0, vi));
      v128.store(o, f32x4.mul(s1, vi), 16);
    }
  } else {
    const fc = f32x4.splat(<f32>count);
    for (let n = 0; n < p3; n++, ri += 32, li += 32, o += 32) {
      s0 = f32x4.sub(f32x4.add(s0, v128.load(ri)), v128.load(li));
      s1 = f32x4.sub(f32x4.add(s1, v128.load(ri, 16)), v128.load(li, 16));
      v128.store(o, f32x4.div(s0, fc));
      v128.store(o, f32x4.div(s1, fc), 16);
    }
  }
  for (let n = 0; n < p4; n++, li += 32, o += 32) {
    s0 = f32x4.sub(s0, v128.load(li));
    s1 = f32x4.sub(s1, v128.load(li, 16));
    count--;
    const fc = f32x4.splat(<f32>count);
    v128.store(o, f32x4.div(s0, fc));
    v128.store(o, f32x4.div(s1, fc), 16);
  }
}

/** Stores the eight row sums (two f32x4, lanes = rows) at every sample column equal to `o`. */
function emitColumns8(next: i32, o: i32, s0: v128, s1: v128, count: i32): i32 {
  const fc = f32x4.splat(<f32>count);
  while (next < DECIMATED && load<i32>(colsIdxAt + ((<usize>next) << 2)) === o) {
    const at = samplesAt + ((<usize>next) << 5);
    v128.store(at, f32x4.div(s0, fc));
    v128.store(at, f32x4.div(s1, fc), 16);
    next++;
  }
  return next;
}

/**
 * The second row pass over eight transposed rows, dividing only at the sample columns (into a 64 x 8
 * staging buffer transposed back into `output`, rows x 64). Each lane runs its row's scalar chain.
 */
function boxAlongRowsAtColumns8T(input: usize, output: usize, cols: i32, window: i32): void {
  boxPhases(cols, window);
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let ri = input;
  let li = input;
  let o = 0;
  let next = 0;
  let count = 0;
  for (let n = 0; n < p1; n++, ri += 32) {
    s0 = f32x4.add(s0, v128.load(ri));
    s1 = f32x4.add(s1, v128.load(ri, 16));
    count++;
  }
  for (let n = 0; n < p2; n++, ri += 32, o++) {
    s0 = f32x4.add(s0, v128.load(ri));
    s1 = f32x4.add(s1, v128.load(ri, 16));
    count++;
    next = emitColumns8(next, o, s0, s1, count);
  }
  const slideEnd = o + p3;
  while (o < slideEnd) {
    let stop = slideEnd;
    if (next < DECIMATED) {
      const sc = load<i32>(colsIdxAt + ((<usize>next) << 2));
      if (sc < slideEnd) stop = sc + 1;
    }
    for (; o < stop; o++, ri += 32, li += 32) {
      s0 = f32x4.sub(f32x4.add(s0, v128.load(ri)), v128.load(li));
      s1 = f32x4.sub(f32x4.add(s1, v128.load(ri, 16)), v128.load(li, 16));
    }
    next = emitColumns8(next, o - 1, s0, s1, count);
  }
  for (let n = 0; n < p4; n++, li += 32, o++) {
    s0 = f32x4.sub(s0, v128.load(li));
    s1 = f32x4.sub(s1, v128.load(li, 16));
    count--;
    next = emitColumns8(next, o, s0, s1, count);
  }
  transposeOut8(samplesAt, output, (<usize>DECIMATED) << 2, DECIMATED);
}

/** Luma rows y0 <= y < y1 (computed now from pixels, or read from the f32 plane), filtered along rows into the scratch plane. */
function firstRowPass(y0: i32, y1: i32, width: i32, window: i32): void {
  const out = scratchAt + ((<usize>(y0 * width)) << 2);
  let rows = lumaRowsAt;
  if (inputKind === 0) {
    rows = inputAt + ((<usize>(y0 * width)) << 2);
  } else {
    fillLumaRows(y0, y1, width);
  }
  if (y1 - y0 === 8) {
    const stride = (<usize>width) << 2;
    transposeIn8(rows, stride, transposedAt, width);
    boxAlongRows8T(transposedAt, transposedOutAt, width, window);
    transposeOut8(transposedOutAt, out, stride, width);
  } else {
    boxAlongRows(rows, out, y1 - y0, width, window);
  }
}

/**
 * Filters and decimates a width x height image (at inputOffset(width, height)) into the 64x64 buffer,
 * streamed a block of rows at a time like PdqHasher.jaroszAndDecimate (eight rows here, four there:
 * the order of blocks changes nothing, each element's sequence of operations is the same). `kind`: 0 for an f32 luma
 * plane, 1 for 8-bit grey (first of `stride` channels), 3 for 8-bit RGB (first three of `stride`).
 */
export function filter(width: i32, height: i32, kind: i32, stride: i32): void {
  layout(width, height);
  inputAt = workEnd;
  inputKind = kind;
  channels = stride;
  const windowAlongRows = (width + 2 * DECIMATED - 1) / (2 * DECIMATED);
  const windowAlongCols = (height + 2 * DECIMATED - 1) / (2 * DECIMATED);
  for (let i = 0; i < DECIMATED; i++) {
    store<i32>(rowsIdxAt + ((<usize>i) << 2), <i32>Math.floor(((<f64>i + 0.5) * <f64>height) / <f64>DECIMATED));
    store<i32>(colsIdxAt + ((<usize>i) << 2), <i32>Math.floor(((<f64>i + 0.5) * <f64>width) / <f64>DECIMATED));
  }
  const rowBytes = (<usize>width) << 2;
  memory.fill(sumsAt, 0, rowBytes);
  const half = (windowAlongCols + 2) >> 1;
  const lead = half - 1;
  const lag = windowAlongCols - half + 1;
  let produced = 0;
  for (let o0 = 0; o0 < height; o0 += ROW_BLOCK) {
    const o1 = min(height, o0 + ROW_BLOCK);
    const needed = min(height, o1 + lead);
    while (produced < needed) {
      const end = min(height, produced + ROW_BLOCK);
      firstRowPass(produced, end, width, windowAlongRows);
      produced = end;
    }
    if (o0 === 0) {
      for (let r = 0; r < lead; r++) addRowInto(sumsAt, scratchAt + <usize>r * rowBytes, width);
    }
    for (let o = o0; o < o1; o++) {
      const enter = o + lead;
      const leave = o - lag;
      const count = min(height - 1, enter) - max(0, leave + 1) + 1;
      const out = blockAt + <usize>(o - o0) * rowBytes;
      if (enter < height && leave >= 0) {
        columnStepSlide(
          sumsAt,
          scratchAt + <usize>enter * rowBytes,
          scratchAt + <usize>leave * rowBytes,
          out,
          width,
          count,
        );
      } else if (enter < height) {
        columnStepGrow(sumsAt, scratchAt + <usize>enter * rowBytes, out, width, count);
      } else {
        columnStepShrink(sumsAt, scratchAt + <usize>leave * rowBytes, out, width, count);
      }
    }
    const compactRows = compactAt + ((<usize>(o0 * DECIMATED)) << 2);
    if (o1 - o0 === 8) {
      transposeIn8(blockAt, rowBytes, transposedAt, width);
      boxAlongRowsAtColumns8T(transposedAt, compactRows, width, windowAlongRows);
    } else {
      boxAlongRowsAtColumns(blockAt, compactRows, o1 - o0, width, windowAlongRows);
    }
  }
  boxAlongColsAtRows(height, windowAlongCols);
}

/**
 * B = D A D^T from the 64x64 buffer into the 16x16 DCT, sums in ascending k as the reference.
 * T = D A runs four columns of A per f32x4 (each lane its own ascending sum); B's dot products are
 * serial chains, four side by side.
 */
export function dct(): void {
  const d = dctMatrixAt;
  const a = bufferAt;
  const t = tAt;
  const rowBytes = <usize>(DECIMATED * 4);
  for (let i = 0; i < DCT_N; i++) {
    const tRow = t + <usize>i * rowBytes;
    const dRow = d + <usize>i * rowBytes;
    memory.fill(tRow, 0, rowBytes);
    for (let k = 0; k < DECIMATED; k++) {
      const dik = f32x4.splat(load<f32>(dRow + ((<usize>k) << 2)));
      const aRow = a + <usize>k * rowBytes;
      for (let j: usize = 0; j < rowBytes; j += 16) {
        v128.store(tRow + j, f32x4.add(v128.load(tRow + j), f32x4.mul(dik, v128.load(aRow + j))));
      }
    }
  }
  for (let i = 0; i < DCT_N; i++) {
    const tRow = t + <usize>i * rowBytes;
    for (let j = 0; j < DCT_N; j += 4) {
      const d0 = d + <usize>j * rowBytes;
      let s0: f32 = 0;
      let s1: f32 = 0;
      let s2: f32 = 0;
      let s3: f32 = 0;
      for (let k: usize = 0; k < rowBytes; k += 4) {
        const tk = load<f32>(tRow + k);
        s0 = s0 + tk * load<f32>(d0 + k);
        s1 = s1 + tk * load<f32>(d0 + k, DECIMATED * 4);
        s2 = s2 + tk * load<f32>(d0 + k, DECIMATED * 8);
        s3 = s3 + tk * load<f32>(d0 + k, DECIMATED * 12);
      }
      const at = dctAt + ((<usize>(i * DCT_N + j)) << 2);
      store<f32>(at, s0);
      store<f32>(at, s1, 4);
      store<f32>(at, s2, 8);
      store<f32>(at, s3, 12);
    }
  }
}
