import { Command } from 'commander';

// Each command group lives in its own module under ./commands and registers
// itself on the root program; add new groups to this list.
const program = new Command()
  .name('unseen')
  .description('Unseen: hash intimate images on your own device, run the hash bank, and match as a partner.')
  .showHelpAfterError('(run `unseen --help` for usage)')
  .exitOverride((err) => {
    // commander exits 1 on usage errors; the CLI contract is 2 for bad usage.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(2);
  });

const registrations: Array<() => Promise<(program: Command) => void>> = [
  () => import('./commands/partner.js').then((m) => m.register),
  () => import('./commands/matcher.js').then((m) => m.register),
  () => import('./commands/hash.js').then((m) => m.register),
  () => import('./commands/serve.js').then((m) => m.register),
  () => import('./commands/admin.js').then((m) => m.register),
  () => import('./commands/operator.js').then((m) => m.register),
];

for (const load of registrations) (await load())(program);

await program.parseAsync(process.argv);
