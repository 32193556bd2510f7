// The bank under benchmark, in its own process so the load generator does not share its CPU time.
// Env: BENCH_DATA_DIR or BENCH_DATABASE_URL, BENCH_ARGON2 ("production" | "light").
import { startBank } from '@unseen/server';

const light = process.env.BENCH_ARGON2 === 'light';
const bank = await startBank({
  ...(process.env.BENCH_DATABASE_URL
    ? { databaseUrl: process.env.BENCH_DATABASE_URL }
    : { dataDir: process.env.BENCH_DATA_DIR! }),
  port: 0,
  webRoot: null,
  config: {
    logLevel: 'error',
    caseCreatePerIpPerMinute: 10_000_000,
    partnerRequestsPerMinute: 10_000_000,
    ...(light ? { argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 } } : {}),
  },
});
process.stdout.write(`${JSON.stringify({ url: bank.url })}\n`);
process.on('SIGTERM', async () => {
  await bank.close();
  process.exit(0);
});
