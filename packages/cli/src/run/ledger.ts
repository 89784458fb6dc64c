import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Ledger, LedgerEntry, LedgerEntryInput, LedgerHandle } from '@tester/core';

interface LedgerFile {
  version: 1;
  entries: LedgerEntry[];
}

/**
 * The fault ledger on disk (`.tester/ledger.json` or `$TESTER_LEDGER`). An action records what it injects
 * *before* relying on it and strikes it after its rollback, so whatever a killed run (even `kill -9`) left
 * behind is listed here for `tester cleanup`. Every change is written atomically (temp file + rename) and
 * re-reads the file first, so shards sharing one ledger do not lose each other's entries.
 */
export class FileLedger {
  // Serialises this process's writes; rename makes each one atomic for readers.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Every entry not yet struck off. */
  entries(): LedgerEntry[] {
    if (!existsSync(this.file)) return [];
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<LedgerFile>;
      return Array.isArray(parsed.entries) ? parsed.entries : [];
    } catch {
      // A torn or hand-edited file must not hide faults: report it instead of treating it as empty.
      throw new Error(`${this.file}: the fault ledger is not valid JSON. Inspect it, clean up by hand, then delete it.`);
    }
  }

  /** Appends an entry and returns the handle that strikes it. */
  async add(entry: Omit<LedgerEntry, 'id' | 'recordedAt'> & Partial<Pick<LedgerEntry, 'id' | 'recordedAt'>>): Promise<LedgerHandle> {
    const full: LedgerEntry = { ...entry, id: entry.id ?? randomUUID(), recordedAt: entry.recordedAt ?? new Date().toISOString() };
    await this.mutate((entries) => [...entries, full]);
    return { strike: () => this.strike(full.id) };
  }

  /** Removes an entry (idempotent). */
  async strike(id: string): Promise<void> {
    await this.mutate((entries) => entries.filter((e) => e.id !== id));
  }

  /** The {@link Ledger} one scenario run writes to: entries carry its run id (and the plugin when core passes it). */
  forRun(runId: string, defaultPlugin = 'unknown'): Ledger & { readonly runId: string } {
    return {
      runId,
      record: (input: LedgerEntryInput & { plugin?: string }) =>
        this.add({ action: input.action, description: input.description, data: input.data, plugin: input.plugin ?? defaultPlugin, runId }),
    };
  }

  private mutate(change: (entries: LedgerEntry[]) => LedgerEntry[]): Promise<void> {
    const next = this.queue.then(() => {
      const entries = change(this.entries());
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ version: 1, entries } satisfies LedgerFile, null, 2)}\n`);
      renameSync(tmp, this.file);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
