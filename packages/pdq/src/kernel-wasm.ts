import { DCT_MATRIX } from './dct.js';
import { KERNEL_WASM_BASE64 } from './kernel-wasm.generated.js';

/** The exports of wasm/kernel.ts (see there for what each does). */
export interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  inputOffset(width: number, height: number): number;
  bufferOffset(): number;
  dctOffset(): number;
  dctMatrixOffset(): number;
  filter(width: number, height: number, kind: number, stride: number): void;
  dct(): void;
}

/** The part of the WebAssembly JS API used here, typed locally: the package's lib has no DOM or Node types. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const PAGE = 65536;
let compiled: { module: object } | { error: unknown } | undefined;

function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const values = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | values[clean.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/**
 * A new kernel instance (own linear memory), compiling the module once per process on first use.
 * Throws when WebAssembly is missing or refuses to compile (e.g. a Content-Security-Policy without
 * 'wasm-unsafe-eval'); callers in 'auto' mode then stay on the JavaScript path.
 */
export function instantiateKernel(): KernelExports {
  if (compiled === undefined) {
    try {
      const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (api === undefined) throw new Error('WebAssembly is not available');
      compiled = { module: new api.Module(decodeBase64(KERNEL_WASM_BASE64)) };
    } catch (error) {
      compiled = { error };
    }
  }
  if ('error' in compiled) throw compiled.error;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly as WasmApi;
  const kernel = new api.Instance(compiled.module, {}).exports as KernelExports;
  // The module declares no static data, so its memory may start empty: make room for the fixed area.
  ensureKernelMemory(kernel, kernel.inputOffset(1, 1));
  new Float32Array(kernel.memory.buffer, kernel.dctMatrixOffset(), DCT_MATRIX.length).set(DCT_MATRIX);
  return kernel;
}

/** Grows the kernel's memory to at least `bytes`. */
export function ensureKernelMemory(kernel: KernelExports, bytes: number): void {
  const have = kernel.memory.buffer.byteLength;
  if (have < bytes) kernel.memory.grow(Math.ceil((bytes - have) / PAGE));
}
