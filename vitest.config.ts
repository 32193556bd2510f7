import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// `unseen-source` export condition, so tests never need a prior build.
export default defineConfig({
  resolve: { conditions: ['unseen-source', 'module', 'node', 'default'] },
  ssr: {
    resolve: { conditions: ['unseen-source', 'module', 'node', 'default'], externalConditions: ['unseen-source'] },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
