import SparkMD5 from 'spark-md5';
import { describe, expect, it } from 'vitest';
import { MD5_CHUNK_BYTES, md5Blob } from '../src/index.js';

describe('md5Blob', () => {
  it('matches the RFC 1321 test vectors', async () => {
    expect(await md5Blob(new Blob([]))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(await md5Blob(new Blob(['abc']))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(await md5Blob(new Blob(['message digest']))).toBe('f96b697d7cb7938d525a2f31aaf161d0');
  });

  it('hashes across slice boundaries the same as in one piece, reporting progress up to 1', async () => {
    // 1,000,000 x "a" is the classic long vector; repeat it past several slices.
    const million = 'a'.repeat(1_000_000);
    expect(await md5Blob(new Blob([million]))).toBe('7707d6ae4e027c70eea2a935c2296f21');
    const size = MD5_CHUNK_BYTES * 2 + 12345;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
    const progress: number[] = [];
    const sliced = await md5Blob(new Blob([bytes]), { onProgress: (f) => progress.push(f) });
    expect(sliced).toBe(SparkMD5.ArrayBuffer.hash(bytes.buffer));
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThanOrEqual(3);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(md5Blob(new Blob(['x']), { signal: controller.signal })).rejects.toThrow();
  });
});
