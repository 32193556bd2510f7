/// <reference types="node" />
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The shared vPDQ vectors, beside the repository (CI clones shared/ next to it). */
export const VPDQ_VECTORS = path.resolve(repoRoot, '../shared/vectors/vpdq');

export function readVector(relative: string): string {
  return readFileSync(path.join(VPDQ_VECTORS, relative), 'utf8');
}

export interface MatrixPair {
  query: string;
  target: string;
  cpp_match_hashes_brute: { query_match_pct: number; target_match_pct: number };
  pytx_style: { query_match_pct: number; compared_match_pct: number };
}

export function loadMatchMatrix(): MatrixPair[] {
  return (JSON.parse(readVector('match_matrix.json')) as { pairs: MatrixPair[] }).pairs;
}
