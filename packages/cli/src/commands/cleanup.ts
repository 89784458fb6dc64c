import type { PluginContext, TesterPlugin } from '@tester/core';
import type { CommonFlags } from '../config/settings';
import { messageOf } from '../errors';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { FileLedger } from '../run/ledger';
import { loadRuntime } from '../run/prepare';
import { loadSettings } from './common';

/**
 * `tester cleanup`: for every ledger entry, calls its plugin's `actions[type].recover(entry)` and strikes the
 * entry once that succeeded. Exit 0 when the ledger ends empty, 1 when something could not be undone.
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
  let failed = 0;
  const controller = new AbortController();
  for (const entry of entries) {
    // Core hands actions one ledger, so an entry may not name its plugin: find the plugin owning its action type.
    const plugin = plugins.find((p) => p.name === entry.plugin && p.actions?.[entry.action]?.recover) ?? plugins.find((p) => p.actions?.[entry.action]?.recover);
    const recover = plugin?.actions?.[entry.action]?.recover;
    if (!plugin || !recover) {
      failed++;
      io.stderr.write(`  ✗ ${entry.description}: no loaded plugin can recover a ${entry.action} entry. Add the plugin that injected it to the config.\n`);
      continue;
    }
    try {
      await recover(entry, pluginContext(plugin, entry.runId, controller.signal, io));
      await ledger.strike(entry.id);
      io.stdout.write(`  ✓ ${entry.description}: undone\n`);
    } catch (error) {
      failed++;
      io.stderr.write(`  ✗ ${entry.description}: ${messageOf(error)}\n`);
    }
  }
  io.stdout.write(failed ? `${failed} fault(s) could not be undone; they stay in the ledger.\n` : 'The ledger is empty.\n');
  return failed ? EXIT.failed : EXIT.passed;
}

/** A minimal plugin context for `recover`, which runs outside any scenario. */
function pluginContext(plugin: TesterPlugin, runId: string, signal: AbortSignal, io: Io): PluginContext {
  const log = (level: string) => (message: string) => io.stderr.write(`[${plugin.name}] ${level}: ${message}\n`);
  const logger = {
    debug: () => undefined,
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  const start = performance.now();
  const clock = {
    now: () => performance.now() - start,
    wallNow: () => Date.now(),
    until: (at: number, s?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, Math.max(0, at - (performance.now() - start)));
        s?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(s.reason);
        });
      }),
    every: (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      return () => clearInterval(t);
    },
  };
  const timeline = {
    size: 0,
    get: () => undefined,
    query: () => [],
    latest: () => undefined,
    subscribe: () => () => undefined,
    waitFor: () => new Promise<never>(() => undefined),
  };
  return { runId, signal, logger, clock, timeline, config: plugin.options, registerSecret: () => undefined } as PluginContext;
}
