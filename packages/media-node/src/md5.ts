import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileSystemError, MediaError } from './errors.js';

/** MD5 of a file's bytes as 32 lowercase hex characters, streamed so videos of any size use constant memory. */
export async function md5File(path: string): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new MediaError('NOT_A_FILE', `not a regular file: ${path}`);
    size = info.size;
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw fileSystemError(path, err);
  }
  if (size === 0) throw new MediaError('EMPTY_FILE', `file is empty: ${path}`);
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (err) {
    throw fileSystemError(path, err);
  }
  return hash.digest('hex');
}
