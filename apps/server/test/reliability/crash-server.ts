// Child-process bank for the crash suite. Storage comes from the environment exactly as for
// `unseen serve` (UNSEEN_DATA or DATABASE_URL); light argon2 and open rate limits so a
// round pushes hundreds of writes per second. Prints one JSON line `{ url }` once serving.
import { startBank } from '../../src/index.js';

const bank = await startBank({
  port: 0,
  webRoot: null,
  config: {
    argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 },
    logLevel: 'silent',
    caseAccessPerIpPerMinute: 1_000_000,
    caseAccessPerCasePerMinute: 1_000_000,
    caseCreatePerIpPerMinute: 1_000_000,
    partnerRequestsPerMinute: 1_000_000,
  },
});
process.stdout.write(`${JSON.stringify({ url: bank.url })}\n`);
