import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = path.resolve(appDir, '../..');
export const distDir = path.join(appDir, 'dist');
/** Shared, read-only reference vectors beside the repository (CI clones them there too). */
export const pdqVectorsDir = path.resolve(repoRoot, '../shared/vectors/pdq');
