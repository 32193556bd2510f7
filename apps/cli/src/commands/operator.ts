import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';

interface OperatorCreateFlags {
  email: string;
  role: 'admin' | 'operator' | 'viewer';
  passwordStdin?: boolean;
  data?: string;
  databaseUrl?: string;
  json?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is what `echo` and password managers add; it is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `unseen admin operator create`: console accounts (roles viewer < operator < admin). */
export function register(program: Command): void {
  // `admin` belongs to ./admin.ts; attach to it (or create it when loaded alone).
  const admin =
    program.commands.find((c) => c.name() === 'admin') ??
    program.command('admin').description('Operate the hash bank.');
  const operator = admin.command('operator').description('Operator console accounts.');
  operator
    .command('create')
    .description(
      'Create a console operator. Prints a one-time password unless --password-stdin gives one; works whether or not the server runs.',
    )
    .requiredOption('--email <email>', 'the operator sign-in email')
    .addOption(
      new Option('--role <role>', 'viewer (read), operator (review hashes), admin (partners and keys)')
        .choices(['admin', 'operator', 'viewer'])
        .makeOptionMandatory(),
    )
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .option('--data <dir>', 'embedded database folder (default $UNSEEN_DATA or ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (default $DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(async (flags: OperatorCreateFlags) => {
      const { openAdmin, BankError } = await import('@unseen/server');
      const generated = !flags.passwordStdin;
      // 120 random bits, URL-safe: typed once at the first sign-in, then kept in a password manager.
      const password = generated ? randomBytes(15).toString('base64url') : await readStdin();
      let admin: Awaited<ReturnType<typeof openAdmin>> | undefined;
      try {
        admin = await openAdmin({
          ...(flags.data ? { dataDir: flags.data } : {}),
          ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
        });
        const created = await admin.createOperator({ email: flags.email, role: flags.role, password });
        const result = generated ? { ...created, password } : created;
        if (flags.json) {
          console.log(JSON.stringify(result));
        } else {
          console.log(`Operator ${created.email} (${created.role}) created.`);
          if (generated) console.log(`One-time password (shown only now, store it safely):\n${password}`);
        }
      } catch (err) {
        const message =
          err instanceof BankError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
        console.error(`unseen admin operator: ${message}`);
        process.exitCode = 1;
      } finally {
        await admin?.close();
      }
    });
}
