import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the hash bank (API + web app) on one port. Embedded database in $UNSEEN_DATA (default ./data) unless $DATABASE_URL is set.',
    )
    .option('--port <port>', 'port to listen on (default $PORT or 8080)')
    .option('--host <host>', 'address to bind (default $HOST or 127.0.0.1)')
    .option('--data <dir>', 'embedded database folder (default $UNSEEN_DATA or ./data)')
    .action(async (opts: { port?: string; host?: string; data?: string }) => {
      const { startBank, BankError } = await import('@unseen/server');
      const port = opts.port ?? process.env.PORT;
      if (port !== undefined && !/^\d+$/.test(port)) {
        console.error(`unseen serve: invalid port "${port}"`);
        process.exit(2);
      }
      try {
        const bank = await startBank({
          ...(port !== undefined ? { port: Number(port) } : {}),
          ...(opts.host ? { host: opts.host } : {}),
          ...(opts.data ? { dataDir: opts.data } : {}),
        });
        console.log(`Unseen hash bank listening on ${bank.url}`);
        let stopping = false;
        const stop = async () => {
          if (stopping) return;
          stopping = true;
          await bank.close();
          process.exit(0);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (err) {
        console.error(`unseen serve: ${err instanceof BankError || err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      }
    });
}
