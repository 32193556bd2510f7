/** Messages between the page and the hashing worker. Files cross by structured clone (no copy of bytes to any network). */
import type { SquashMode } from '@unseen/media-browser';

export type MediaKind = 'image' | 'video';

export interface HashJob {
  type: 'hash';
  id: number;
  kind: MediaKind;
  file: Blob;
  /** Overrides for conformance tests and benchmarks; the app uses the defaults. */
  squash?: SquashMode;
  fullResolution?: boolean;
  /** Benchmarks only: stop after decoding (no hash) to measure the decode share. */
  decodeOnly?: boolean;
}

export interface CancelJob {
  type: 'cancel';
  id: number;
}

export type WorkerRequest = HashJob | CancelJob;

export interface ImageHashResult {
  kind: 'image';
  pdq: string;
  quality: number;
  width: number;
  height: number;
}

export interface VideoHashResult {
  kind: 'video';
  md5: string;
  /** Compact vPDQ string, when the video adapter could sample frames. */
  vpdq?: string;
}

export type HashResult = ImageHashResult | VideoHashResult;

export type HashErrorCode = 'UNDECODABLE' | 'EMPTY' | 'CANCELLED' | 'FAILED';

export interface Timings {
  decodeMs: number;
  hashMs: number;
}

export type WorkerResponse =
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'done'; id: number; result: HashResult; timings: Timings }
  | { type: 'error'; id: number; code: HashErrorCode; message: string };
