/** Tunables of the bank. Every field has a production default; tests and benchmarks override some. */
export interface Argon2Params {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface BankConfig {
  /** argon2id cost for PINs and partner API keys (OWASP 2023 minimum by default). */
  argon2: Argon2Params;
  /** Most hashes one case may carry. */
  maxHashesPerCase: number;
  /** Longest accepted vPDQ compact string, in characters. */
  maxVpdqLength: number;
  /** Lowest accepted PDQ quality (0-100). */
  minPdqQuality: number;
  /** Wrong PINs in a row before a case locks. */
  maxPinFailures: number;
  /** How long a locked case stays locked, in seconds (unlocks automatically afterwards). */
  lockoutSeconds: number;
  /** Per client IP: case status/withdraw attempts per minute. */
  caseAccessPerIpPerMinute: number;
  /** Per case number: status/withdraw attempts per minute (whether or not the case exists). */
  caseAccessPerCasePerMinute: number;
  /** Per client IP: case creations per minute. */
  caseCreatePerIpPerMinute: number;
  /** Per partner key: partner API calls per minute. */
  partnerRequestsPerMinute: number;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** Largest FetchHashes page; larger pageSize values are clamped. */
  maxPageSize: number;
  /** Most records in one SubmitFeedback / SubmitHashes call. */
  maxPartnerBatch: number;
  /**
   * Trust X-Forwarded-For/-Proto (only behind a reverse proxy you control): `true`, or the
   * proxy addresses/CIDRs as a comma-separated string (fastify's trustProxy).
   */
  trustProxy: boolean | string;
  /** Log level for pino; 'silent' in tests. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export const defaultConfig: BankConfig = {
  argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
  maxHashesPerCase: 50,
  maxVpdqLength: 400_000,
  minPdqQuality: 50,
  maxPinFailures: 5,
  lockoutSeconds: 15 * 60,
  caseAccessPerIpPerMinute: 20,
  caseAccessPerCasePerMinute: 10,
  caseCreatePerIpPerMinute: 30,
  partnerRequestsPerMinute: 6_000,
  bodyLimitBytes: 1_048_576,
  maxPageSize: 5_000,
  maxPartnerBatch: 1_000,
  trustProxy: false,
  logLevel: 'info',
};

/** `UNSEEN_TRUST_PROXY`: unset/`false`/`0` = off, `true`/`1` = any proxy, else proxy addresses (CIDR list). */
export function trustProxyFromEnv(value = process.env.UNSEEN_TRUST_PROXY): boolean | string {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  return v;
}

export function resolveConfig(partial: Partial<BankConfig> = {}): BankConfig {
  return { ...defaultConfig, ...partial, argon2: { ...defaultConfig.argon2, ...partial.argon2 } };
}
