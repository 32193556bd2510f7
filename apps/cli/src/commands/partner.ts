import { type Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import {
  collectMediaFiles,
  FEEDBACK_VALUES,
  type FeedbackValue,
  type HashedMedia,
  type Match,
  Matcher,
  matchMedia,
  nodeMediaHasher,
  type SyncProgress,
  type SyncSummary,
  syncOnce,
} from '@unseen/partner';
import {
  addConnectionOptions,
  type ConnectionOptions,
  EXIT_ERROR,
  EXIT_MATCH,
  EXIT_OK,
  fail,
  openStore,
  parsePositiveInt,
  requireClient,
  UsageError,
  untilSignal,
} from './partner-common.js';

interface SyncCommandOptions extends ConnectionOptions {
  watch?: number | true;
  full?: boolean;
  pageSize: number;
}

interface MatchCommandOptions extends ConnectionOptions {
  threshold: number;
  dihedral: boolean;
}

interface FeedbackCommandOptions extends ConnectionOptions {
  value: FeedbackValue;
  tag: string[];
}

/** A human line on stderr; stdout stays machine-readable. */
function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function describeSummary(s: SyncSummary): string {
  const kind = s.full ? 'full sync' : s.resumed ? 'resumed sync' : 'incremental sync';
  return (
    `${kind}: ${s.records} records in ${s.pages} page(s), +${s.added} added, ~${s.updated} updated, ` +
    `-${s.removed + s.swept} removed; checkpoint ${s.checkpoint ?? 'none'} (${(s.durationMs / 1000).toFixed(1)} s)`
  );
}

async function runSync(opts: SyncCommandOptions): Promise<void> {
  const client = requireClient(opts);
  const store = openStore(opts.store);
  const { signal } = untilSignal();
  const tty = process.stderr.isTTY === true;
  try {
    let full = opts.full === true;
    do {
      const bar = tty
        ? new cliProgress.SingleBar(
            {
              format:
                ' syncing {value} records | {rate} rec/s | +{added} -{removed} | page {page} | checkpoint {checkpoint}',
              hideCursor: true,
              clearOnComplete: true,
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const started = Date.now();
      let added = 0;
      let removed = 0;
      bar?.start(0, 0, { rate: 0, added: 0, removed: 0, page: 0, checkpoint: store.checkpoint ?? '-' });
      const onPage = (p: SyncProgress) => {
        added += p.applied.added;
        removed += p.applied.removed + p.applied.swept;
        const seconds = Math.max(0.001, (Date.now() - started) / 1000);
        bar?.setTotal(p.records);
        bar?.update(p.records, {
          rate: Math.round(p.records / seconds),
          added,
          removed,
          page: p.page,
          checkpoint: p.checkpoint,
        });
      };
      let summary: SyncSummary;
      try {
        summary = await syncOnce(client, store, { full, pageSize: opts.pageSize, signal, onPage });
      } finally {
        bar?.stop();
      }
      full = false;
      if (summary.records > 0 || opts.watch === undefined) say(describeSummary(summary));
      if (opts.watch === undefined) break;
      const intervalMs = (opts.watch === true ? 60 : opts.watch) * 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } while (!signal.aborted);
    say(`synced bank: ${store.size} live records in ${store.path}`);
  } catch (err) {
    // Ctrl-C during a page: the page either committed or not, so the next run resumes exactly.
    if (signal.aborted) {
      say('interrupted; the next `unseen partner sync` resumes from the last committed page');
      return;
    }
    throw err;
  } finally {
    store.close();
  }
}

interface MatchLine {
  file: string;
  signalType?: string;
  hash?: string;
  quality?: number;
  vpdqFrames?: number;
  matches?: Pick<Match, 'signalType' | 'hash' | 'distance' | 'caseStatus' | 'transform' | 'queryMatchPercent'>[];
  error?: { code: string; message: string };
}

async function runMatch(paths: string[], opts: MatchCommandOptions): Promise<number> {
  const store = openStore(opts.store);
  const matcher = new Matcher({ pdqThreshold: opts.threshold });
  try {
    matcher.load(store.indexRecords());
    const lastSync = store.lastSyncAt;
    if (lastSync === undefined) {
      say('warning: the synced bank is empty; run `unseen partner sync` first');
    } else if (Date.now() - lastSync > 24 * 3600 * 1000) {
      say(`warning: last synced ${new Date(lastSync).toISOString()}; run \`unseen partner sync\` for fresh data`);
    }
  } finally {
    store.close();
  }
  const { files, skipped } = await collectMediaFiles(paths);
  for (const s of skipped) say(`skipped ${s}: not an image or video this tool recognises`);
  if (files.length === 0) throw new UsageError('no image or video files found in the given paths');
  let matchedFiles = 0;
  let errors = 0;
  for (const { file, kind } of files) {
    let line: MatchLine;
    try {
      const hashed: HashedMedia =
        kind === 'image'
          ? await nodeMediaHasher.hashImage(file, { dihedral: opts.dihedral })
          : await nodeMediaHasher.hashVideo(file);
      const outcome = matchMedia(matcher, hashed);
      const matches = outcome.matches.map((m) => ({
        signalType: m.signalType,
        hash: m.hash,
        distance: m.distance,
        caseStatus: m.caseStatus,
        ...(m.transform && m.transform !== 'orig' ? { transform: m.transform } : {}),
        ...(m.queryMatchPercent !== undefined ? { queryMatchPercent: m.queryMatchPercent } : {}),
      }));
      line =
        hashed.kind === 'image'
          ? { file, signalType: 'ImagePDQ', hash: hashed.variants[0]?.hex, quality: hashed.quality, matches }
          : { file, signalType: 'VideoMD5', hash: hashed.md5, vpdqFrames: hashed.frames.length, matches };
      if (matches.length > 0) matchedFiles++;
    } catch (err) {
      errors++;
      const code = (err as { code?: unknown }).code;
      line = {
        file,
        error: {
          code: typeof code === 'string' ? code : 'MEDIA_ERROR',
          message: err instanceof Error ? err.message : String(err),
        },
      };
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  say(
    `${files.length} file(s) checked against ${matcher.size.total} bank hashes: ${matchedFiles} matched` +
      (errors > 0 ? `, ${errors} could not be read` : '') +
      (matchedFiles > 0 ? '. Matches are proposals: review before acting (docs/partner-guide.md).' : ''),
  );
  if (matchedFiles > 0) return EXIT_MATCH;
  return errors > 0 ? EXIT_ERROR : EXIT_OK;
}

async function runFeedback(hash: string, opts: FeedbackCommandOptions): Promise<void> {
  const value = hash.trim();
  if (!/^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{64}$/.test(value) && !value.startsWith('vpdq')) {
    throw new UsageError(`"${hash}" is not a bank hash: give the hash value a match reported (PDQ or MD5 hex)`);
  }
  const client = requireClient(opts);
  const answer = await client.submitFeedback([
    {
      hashValue: /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase() : value,
      feedbackValue: opts.value,
      tags: opts.tag,
    },
  ]);
  process.stdout.write(`${JSON.stringify(answer)}\n`);
  say(`sent ${opts.value} for ${value}${opts.tag.length ? ` (tags: ${opts.tag.join(', ')})` : ''}`);
}

export function register(program: Command): void {
  const partner = program
    .command('partner')
    .description('Run the partner side: sync the bank locally, match media, report back what you did.');

  addConnectionOptions(
    partner
      .command('sync')
      .description('Bring the local synced bank up to date with the bank feed (resumes after any interruption).')
      .option('--watch [seconds]', 'keep polling every N seconds (default 60)', parsePositiveInt('--watch'))
      .option('--full', 'refetch everything and delete local records the bank no longer has')
      .option('--page-size <n>', 'records per page', parsePositiveInt('--page-size'), 800),
  ).action(async (opts: SyncCommandOptions) => {
    try {
      await runSync(opts);
    } catch (err) {
      fail('partner sync', err);
    }
  });

  addConnectionOptions(
    partner
      .command('match')
      .description(
        'Match images, videos and folders (recursive) against the synced bank. Prints JSON lines on stdout; ' +
          'exit 0 = no match, 1 = at least one match, 2 = usage error or nothing readable.',
      )
      .argument('<paths...>', 'files or folders')
      .option('--threshold <n>', 'PDQ Hamming distance threshold', parsePositiveInt('--threshold'), 31)
      .option('--no-dihedral', 'do not try rotated/flipped variants of images'),
    { storeOnly: true },
  ).action(async (paths: string[], opts: MatchCommandOptions) => {
    let code: number;
    try {
      code = await runMatch(paths, opts);
    } catch (err) {
      fail('partner match', err);
    }
    process.exitCode = code;
  });

  addConnectionOptions(
    partner
      .command('feedback')
      .description('Tell the bank what you did about a matched hash.')
      .argument('<hash>', 'the bank hash value from a match')
      .addOption(
        new Option(
          '--value <value>',
          'Blocked (reviewed: NCII, removed), NotBlocked (reviewed: not actioned), PendingReview',
        )
          .choices(FEEDBACK_VALUES.filter((v) => v === 'Blocked' || v === 'NotBlocked' || v === 'PendingReview'))
          .makeOptionMandatory(),
      )
      .option(
        '--tag <tag>',
        'free-form tag (repeatable), e.g. --tag Nude',
        (t: string, all: string[]) => [...all, t],
        [],
      ),
  ).action(async (hash: string, opts: FeedbackCommandOptions) => {
    try {
      await runFeedback(hash, opts);
    } catch (err) {
      fail('partner feedback', err);
    }
  });
}

export { EXIT_ERROR, EXIT_MATCH, EXIT_OK };
