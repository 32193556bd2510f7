import { isPdqError } from '@unseen/pdq';
import { isMediaError } from './errors.js';
import type { ImageHash, ImageHashOptions } from './image-hash.js';

/** A failure as it crosses a thread boundary and is printed by the CLI: a stable code and a message. */
export interface JobError {
  code: string;
  message: string;
}

export interface PoolRequest {
  id: number;
  path: string;
  options: ImageHashOptions;
}

export type PoolReply = { id: number; ok: true; result: ImageHash } | { id: number; ok: false; error: JobError };

export function toJobError(err: unknown): JobError {
  if (isMediaError(err) || isPdqError(err)) return { code: err.code, message: err.message };
  return { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}
