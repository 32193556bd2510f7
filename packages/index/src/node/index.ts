// Node-only entry (`@unseen/index/node`): worker threads. The main entry stays free of node: imports.
export { ParallelSearcher, type ParallelSearcherOptions, type SnapshotSource } from './parallel.js';
