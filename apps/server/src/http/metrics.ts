import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per bank instance (several instances may live in one test process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'unseen_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'unseen_http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    casesCreated: new Counter({ name: 'unseen_cases_created_total', help: 'Cases created.', registers: [registry] }),
    casesWithdrawn: new Counter({
      name: 'unseen_cases_withdrawn_total',
      help: 'Case withdrawals.',
      registers: [registry],
    }),
    pinFailures: new Counter({
      name: 'unseen_case_auth_failures_total',
      help: 'Rejected case number + PIN attempts (wrong PIN or unknown case).',
      registers: [registry],
    }),
    feedRecords: new Counter({
      name: 'unseen_feed_records_served_total',
      help: 'Hash records served by FetchHashes.',
      registers: [registry],
    }),
    feedback: new Counter({
      name: 'unseen_partner_feedback_total',
      help: 'Feedback items accepted.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
