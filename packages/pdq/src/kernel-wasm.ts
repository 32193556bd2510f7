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

/** Base64 to bytes with the platform's `atob` (browsers, Node >= 16), typed locally like WasmApi. */
function decodeBase64(text: string): Uint8Array {
  const binary = (globalThis as unknown as { atob(data: string): string }).atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
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
