import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { isPartnerError, PartnerClient, SyncedBank } from '@unseen/partner';

/** Exit codes shared by `partner` and `matcher`: documented in docs/partner-guide.md. */
export const EXIT_OK = 0;
export const EXIT_MATCH = 1;
export const EXIT_ERROR = 2;

export interface ConnectionOptions {
  key?: string;
  server?: string;
  store: string;
}

export function addConnectionOptions(cmd: Command, { storeOnly = false } = {}): Command {
  if (!storeOnly) {
    cmd
      .addOption(new Option('--server <url>', 'bank URL, e.g. https://bank.example').env('UNSEEN_SERVER'))
      .addOption(new Option('--key <key>', 'partner subscription key').env('UNSEEN_PARTNER_KEY'));
  }
  return cmd.addOption(
    new Option('--store <path>', 'synced bank: a folder (holding bank.sqlite) or a .sqlite file')
      .env('UNSEEN_PARTNER_STORE')
      .default('./partner-data'),
  );
}

export function requireClient(opts: ConnectionOptions): PartnerClient {
  if (!opts.server) throw new UsageError('no bank URL: pass --server https://bank.example or set UNSEEN_SERVER');
  if (!opts.key)
    throw new UsageError('no partner key: pass --key KEY or set UNSEEN_PARTNER_KEY (the bank operator issues it)');
  return new PartnerClient({ server: opts.server, key: opts.key });
}

export function openStore(file: string): SyncedBank {
  // A folder given as --store holds the database file inside it, so `--store ./partner-data` works too.
  const resolved = path.extname(file) === '' && file !== ':memory:' ? path.join(file, 'bank.sqlite') : file;
  return new SyncedBank(resolved);
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints what went wrong and what to do next, then exits 2. Never prints a stack for expected failures. */
export function fail(command: string, err: unknown): never {
  if (isPartnerError(err)) {
    process.stderr.write(`unseen ${command}: ${err.message} [${err.code}]\n`);
  } else if (err instanceof UsageError) {
    process.stderr.write(`unseen ${command}: ${err.message}\n`);
  } else {
    process.stderr.write(
      `unseen ${command}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(EXIT_ERROR);
}

export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
    return n;
  };
}

/** Resolves on SIGINT/SIGTERM, so long-running commands can shut down cleanly (closing SQLite, draining NATS). */
export function untilSignal(): { signal: AbortSignal } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { signal: controller.signal };
}
