import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../src/http/openapi.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('docs/openapi.json', () => {
  it('is up to date with the routes (regenerate: npm run openapi -w @unseen/server)', async () => {
    const committed = readFileSync(resolve(repoRoot, 'docs/openapi.json'), 'utf8');
    expect(committed).toBe(await generateOpenApi());
  });

  it('documents every public endpoint and the error shape', async () => {
    const doc = JSON.parse(await generateOpenApi()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: unknown;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/api/v1/cases', 'post'],
      ['/api/v1/cases/{caseNumber}/status', 'post'],
      ['/api/v1/cases/{caseNumber}/withdraw', 'post'],
      ['/v1/FetchHashes', 'get'],
      ['/v1/SubmitFeedback', 'post'],
      ['/v1/SubmitHashes', 'post'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
    ]) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(JSON.stringify(doc.paths['/api/v1/cases'])).toContain('#/components/schemas/Error');
    expect(JSON.stringify(doc.components)).toContain('CONSENT_REQUIRED');
  });
});
