import type { Command } from 'commander';

interface StorageFlags {
  data?: string;
  databaseUrl?: string;
  json?: boolean;
}

type Admin = Awaited<ReturnType<typeof import('@unseen/server')['openAdmin']>>;

/** Opens the bank's admin path (direct, or through a running server), runs `fn`, prints, closes. */
async function run<T>(
  flags: StorageFlags,
  fn: (admin: Admin) => Promise<T>,
  human: (result: T) => string,
): Promise<void> {
  const { openAdmin, BankError } = await import('@unseen/server');
  let admin: Admin | undefined;
  try {
    admin = await openAdmin({
      ...(flags.data ? { dataDir: flags.data } : {}),
      ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
    });
    const result = await fn(admin);
    console.log(flags.json ? JSON.stringify(result) : human(result));
  } catch (err) {
    const message =
      err instanceof BankError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
    console.error(`unseen admin: ${message}`);
    process.exitCode = 1;
  } finally {
    await admin?.close();
  }
}

function storageOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'embedded database folder (default $UNSEEN_DATA or ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (default $DATABASE_URL)')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('Operate the hash bank: partner accounts, locked cases. Works whether or not the server runs.');
  const partner = admin.command('partner').description('Partner accounts and their API keys.');

  storageOptions(
    partner
      .command('create')
      .description('Create a partner and print its API key (shown only once).')
      .requiredOption('--name <name>', 'partner name')
      .option('--extended', 'opt in to extended signal types (VideoVPDQ) in the feed'),
  ).action(async (opts: StorageFlags & { name: string; extended?: boolean }) =>
    run(
      opts,
      (a) => a.createPartner({ name: opts.name, ...(opts.extended ? { extendedSignalTypes: true } : {}) }),
      (r) => `Partner ${r.name} (${r.id}) created.\nAPI key (shown only now, store it safely):\n${r.key}`,
    ),
  );

  storageOptions(partner.command('list').description('List partners (never their keys).')).action(
    async (opts: StorageFlags) =>
      run(
        opts,
        (a) => a.listPartners(),
        (list) =>
          list.length === 0
            ? 'No partners.'
            : list
                .map(
                  (p) =>
                    `${p.id}  ${p.name}  ${p.status}${p.extendedSignalTypes ? '  extended' : ''}  created ${p.createdAt}`,
                )
                .join('\n'),
      ),
  );

  storageOptions(
    partner
      .command('rotate')
      .description('Replace a partner key; the old key stops working at once.')
      .argument('<partner>', 'id or name'),
  ).action(async (who: string, opts: StorageFlags) =>
    run(
      opts,
      (a) => a.rotatePartnerKey(who),
      (r) => `New API key for ${r.name} (${r.id}) (shown only now):\n${r.key}`,
    ),
  );

  storageOptions(
    partner
      .command('revoke')
      .description('Revoke a partner; its key stops working at once.')
      .argument('<partner>', 'id or name'),
  ).action(async (who: string, opts: StorageFlags) =>
    run(
      opts,
      (a) => a.revokePartner(who),
      (r) => `Partner ${r.name} (${r.id}) is ${r.status}.`,
    ),
  );

  const cases = admin.command('case').description('Cases.');
  storageOptions(
    cases
      .command('unlock')
      .description('Unlock a case locked after too many wrong PINs (it also unlocks by itself after the cool-down).')
      .argument('<caseNumber>', 'the case number'),
  ).action(async (caseNumber: string, opts: StorageFlags) =>
    run(
      opts,
      (a) => a.unlockCase(caseNumber),
      (r) => (r.unlocked ? `Case ${r.caseNumber} unlocked.` : `Case ${r.caseNumber} was not locked.`),
    ),
  );
}
