import SparkMD5 from 'spark-md5';

/** Slice size for incremental MD5: big enough to amortise the read, small enough to keep memory flat. */
export const MD5_CHUNK_BYTES = 4 * 1024 * 1024;

export interface Md5Options {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/**
 * MD5 of a Blob, read in slices so a multi-gigabyte video never sits in memory at once.
 * Returns 32 lowercase hex characters (the StopNCII `VideoMD5` form).
 */
export async function md5Blob(blob: Blob, options: Md5Options = {}): Promise<string> {
  const md5 = new SparkMD5.ArrayBuffer();
  for (let offset = 0; offset < blob.size; offset += MD5_CHUNK_BYTES) {
    options.signal?.throwIfAborted();
    const chunk = await blob.slice(offset, offset + MD5_CHUNK_BYTES).arrayBuffer();
    md5.append(chunk);
    options.onProgress?.(Math.min(1, (offset + chunk.byteLength) / blob.size));
  }
  options.onProgress?.(1);
  return md5.end();
}
