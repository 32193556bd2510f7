/** Messages between ParallelSearcher and its workers (structured-clone friendly, typed arrays only). */
export interface WorkerInit {
  /** Snapshot bytes, normally backed by a SharedArrayBuffer so every worker views the same memory. */
  snapshot: Uint8Array;
}

export interface BatchRequest {
  seq: number;
  /** k * 32 query bytes. */
  queries: Uint8Array<ArrayBuffer>;
  radius: number;
}

export interface BatchReply {
  seq: number;
  /** counts[i] = number of results of query i; results are concatenated in query order. */
  counts: Uint32Array<ArrayBuffer>;
  ids: Uint32Array<ArrayBuffer>;
  distances: Uint16Array<ArrayBuffer>;
}

export interface WorkerFailure {
  seq: number;
  error: string;
}

export type WorkerMessage = { ready: true } | BatchReply | WorkerFailure;
