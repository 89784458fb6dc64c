import type { Logger } from '@tester/core';
import type { RecoverResult } from '@tester/core/runner';
import type { CommonFlags } from '../config/settings';
import { messageOf } from '../errors';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { FileLedger } from '../run/ledger';
import { loadRuntime } from '../run/prepare';
import { loadSettings } from './common';

/**
 * `tester cleanup`: for every ledger entry, calls its plugin's `actions[type].recover(entry)` through core's
 * `recoverEntry` (bounded, attributed, redacted) and strikes the entry once that succeeded. Exit 0 when the ledger
 * ends empty, 1 when something could not be undone.
 * `--force` first moves an unreadable (corrupt) ledger aside, so that runs can start again.
 */
export async function cleanupCommand(opts: CommonFlags & { dryRun?: boolean; force?: boolean }, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  const ledger = new FileLedger(settings.ledgerPath);
  if (opts.force && !opts.dryRun) {
    const aside = ledger.moveAsideIfCorrupt();
    if (aside) {
      io.stderr.write(
        `The fault ledger ${settings.ledgerPath} could not be read; moved it to ${aside}.\n` +
          'Faults it listed are not undone by tester: check the control plane for active chaos and drift, and end them by hand.\n',
      );
      return EXIT.passed;
    }
  }
  const entries = ledger.entries();
  if (entries.length === 0) {
    io.stdout.write(`The fault ledger ${settings.ledgerPath} is empty: nothing to clean up.\n`);
    return EXIT.passed;
  }
  io.stdout.write(`${entries.length} fault(s) in ${settings.ledgerPath}:\n`);
  if (opts.dryRun) {
    for (const e of entries) io.stdout.write(`  - ${e.description} (${e.action}, run ${e.runId}, ${e.recordedAt})\n`);
    return EXIT.passed;
  }
  const { plugins } = await loadRuntime(settings);
  // Core's recoverEntry, the one way into a plugin's `recover`: bounded, attributed and redacted like a run's hooks.
  const { recoverEntry } = await import('@tester/core/runner');
  const logger = stderrLogger(io);
  let failed = 0;
  for (const entry of entries) {
    let outcome: RecoverResult;
    try {
      outcome = await recoverEntry(entry, { plugins, logger });
    } catch (error) {
      // A plugin set that cannot make a registry (two plugins providing one action type): nothing was called.
      failed++;
      io.stderr.write(`  ✗ ${entry.description}: ${messageOf(error)}\n`);
      continue;
    }
    if (outcome.status === 'passed') {
      await ledger.strike(entry.id);
      io.stdout.write(`  ✓ ${entry.description}: undone\n`);
      continue;
    }
    failed++;
    io.stderr.write(`  ✗ ${entry.description}: ${outcome.error?.message ?? outcome.status}\n`);
  }
  io.stdout.write(failed ? `${failed} fault(s) could not be undone; they stay in the ledger.\n` : 'The ledger is empty.\n');
  return failed ? EXIT.failed : EXIT.passed;
}

/** Plugins' log lines on stderr, `[plugin] level: message` (core redacts them before they get here). */
function stderrLogger(io: Io, fields: Record<string, unknown> = {}): Logger {
  const log = (level: string) => (message: string) => io.stderr.write(`[${String(fields.plugin ?? 'tester')}] ${level}: ${message}\n`);
  return {
    debug: () => undefined,
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => stderrLogger(io, { ...fields, ...more }),
  };
}
