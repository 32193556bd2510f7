// The bank under load, in its own process so the load generator does not share its event loop.
// Env: LOAD_DATA_DIR or LOAD_DATABASE_URL; LOAD_ARGON2=light for a cheap PIN hash (default: production cost).
// Every rate limit is lifted: all load comes from 127.0.0.1, which would otherwise be one abusive client.
import { startBank } from '@unseen/server';

const bank = await startBank({
  ...(process.env.LOAD_DATABASE_URL
    ? { databaseUrl: process.env.LOAD_DATABASE_URL }
    : { dataDir: process.env.LOAD_DATA_DIR! }),
  port: 0,
  webRoot: null,
  config: {
    logLevel: 'error',
    caseCreatePerIpPerMinute: 10_000_000,
    caseAccessPerIpPerMinute: 10_000_000,
    caseAccessPerCasePerMinute: 10_000_000,
    partnerRequestsPerMinute: 10_000_000,
    ...(process.env.LOAD_ARGON2 === 'light' ? { argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 } } : {}),
  },
});
process.stdout.write(`${JSON.stringify({ url: bank.url })}\n`);
process.on('SIGTERM', async () => {
  await bank.close();
  process.exit(0);
});
