/** The default, in-memory ledger. The CLI supplies a file-backed one so that `tester cleanup` survives a crash. */
import type { Ledger, LedgerEntry } from './contract';

/** An in-memory {@link Ledger} that exposes its open entries. */
export interface MemoryLedger extends Ledger {
  /** Entries recorded and not yet struck off. */
  readonly entries: readonly LedgerEntry[];
}

/** Creates an in-memory ledger whose entries carry `runId` and `plugin` (the plugin is set per action). */
export function createMemoryLedger(defaults: { runId?: string; plugin?: string } = {}): MemoryLedger {
  let entries: LedgerEntry[] = [];
  let next = 0;
  return {
    get entries() {
      return entries;
    },
    async record(input) {
      const entry: LedgerEntry = {
        ...input,
        id: `ledger-${++next}`,
        runId: defaults.runId ?? '',
        plugin: (input as { plugin?: string }).plugin ?? defaults.plugin ?? '',
        recordedAt: new Date().toISOString(),
      };
      entries = [...entries, entry];
      return {
        async strike() {
          entries = entries.filter((e) => e !== entry);
        },
      };
    },
  };
}
