import type { Command } from 'commander';
import { MatcherService, NatsMatchConsumer, type PartnerClient } from '@unseen/partner';
import {
  addConnectionOptions,
  type ConnectionOptions,
  fail,
  openStore,
  parsePositiveInt,
  requireClient,
  untilSignal,
} from './partner-common.js';

interface ServeOptions extends ConnectionOptions {
  port: number;
  host: string;
  threshold: number;
  syncInterval: number;
  bodyLimitMb: number;
  autoFeedback?: boolean;
  dihedral: boolean;
  offline?: boolean;
}

interface ConsumeOptions extends ServeOptions {
  nats: string;
  stream: string;
  subject: string;
  resultsStream: string;
  resultsSubject: string;
  durable: string;
  statusPort?: number;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

function buildService(opts: ServeOptions): MatcherService {
  let client: PartnerClient | undefined;
  if (opts.offline) {
    log('offline: serving the synced bank as it is, without following the feed');
  } else {
    client = requireClient(opts);
  }
  const store = openStore(opts.store);
  return new MatcherService({
    store,
    client,
    pdqThreshold: opts.threshold,
    syncIntervalMs: opts.syncInterval,
    bodyLimitBytes: opts.bodyLimitMb * 1024 * 1024,
    autoFeedback: opts.autoFeedback === true,
    dihedral: opts.dihedral,
    logger: false,
  });
}

async function loadIndex(service: MatcherService): Promise<void> {
  const started = Date.now();
  await service.start();
  log(`index loaded: ${service.matcher.size.total} hashes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function addServiceOptions(cmd: Command): Command {
  return addConnectionOptions(
    cmd
      .option('--threshold <n>', 'PDQ Hamming distance threshold', parsePositiveInt('--threshold'), 31)
      .option('--sync-interval <ms>', 'feed polling interval', parsePositiveInt('--sync-interval'), 1000)
      .option('--body-limit-mb <n>', 'largest accepted upload', parsePositiveInt('--body-limit-mb'), 64)
      .option('--auto-feedback', 'send PendingReview to the bank for every matched hash (once per hash)')
      .option('--no-dihedral', 'do not try rotated/flipped variants of uploaded images')
      .option('--offline', 'do not sync: serve the synced bank as it is'),
  );
}

export function register(program: Command): void {
  const matcher = program.command('matcher').description('Match uploads against the bank as a service.');

  addServiceOptions(
    matcher
      .command('serve')
      .description('HTTP matcher: POST /match, GET /status, /metrics, /healthz, /readyz.')
      .option('--port <n>', 'port (0 = any free port)', parsePositiveInt('--port'), 8090)
      .option('--host <host>', 'interface to listen on', '127.0.0.1'),
  ).action(async (opts: ServeOptions) => {
    let service: MatcherService;
    try {
      service = buildService(opts);
      await loadIndex(service);
      const url = await service.listen(opts.port, opts.host);
      log(`matcher listening on ${url} (threshold ${opts.threshold}${opts.autoFeedback ? ', auto-feedback on' : ''})`);
    } catch (err) {
      fail('matcher serve', err);
    }
    const { signal } = untilSignal();
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    log('shutting down');
    await service.close();
  });

  addServiceOptions(
    matcher
      .command('consume')
      .description('JetStream worker: pull upload events from a work queue, publish match results.')
      .option('--nats <url>', 'NATS server with JetStream', process.env.NATS_URL ?? 'nats://127.0.0.1:4222')
      .option('--stream <name>', 'work-queue stream of upload events', 'UNSEEN_UPLOADS')
      .option('--subject <subject>', 'subject of upload events', 'unseen.uploads')
      .option('--results-stream <name>', 'stream capturing results', 'UNSEEN_MATCHES')
      .option('--results-subject <subject>', 'subject of match results', 'unseen.matches')
      .option('--durable <name>', 'durable consumer shared by all workers', 'unseen-matcher')
      .option('--status-port <n>', 'also serve /status and /metrics on this port', parsePositiveInt('--status-port')),
  ).action(async (opts: ConsumeOptions) => {
    let service: MatcherService;
    let consumer: NatsMatchConsumer;
    try {
      service = buildService(opts);
      await loadIndex(service);
      if (opts.statusPort !== undefined) log(`status on ${await service.listen(opts.statusPort, opts.host)}`);
      consumer = new NatsMatchConsumer({
        servers: opts.nats,
        matcher: service.matcher,
        dihedral: opts.dihedral,
        topology: {
          uploadsStream: opts.stream,
          uploadsSubject: opts.subject,
          resultsStream: opts.resultsStream,
          resultsSubject: opts.resultsSubject,
          durable: opts.durable,
        },
        onError: (err) =>
          log(`event failed and will be redelivered: ${err instanceof Error ? err.message : String(err)}`),
      });
      await consumer.start();
      log(`consuming ${opts.subject} from ${opts.nats} as ${consumer.worker}; results on ${opts.resultsSubject}`);
    } catch (err) {
      fail('matcher consume', err);
    }
    const { signal } = untilSignal();
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    log(`shutting down after ${consumer.processed} events`);
    await consumer.close();
    await service.close();
  });
}
