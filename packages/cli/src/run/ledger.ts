import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { LedgerEntryInput, LedgerHandle } from '@tester/core';
import type { Ledger, LedgerEntry } from '@tester/core/runner';
import { CliError } from '../errors';

/** The largest ledger file read: 16 MiB, far more than any run records. */
const MAX_LEDGER_BYTES = 16 * 1024 * 1024;

/** Thrown (code `LEDGER_CORRUPT`, exit 2) when the ledger cannot be read: it names the file and what to do. */
export class LedgerCorruptError extends CliError {
  constructor(readonly file: string, why: string) {
    super(
      'LEDGER_CORRUPT',
      `${file}: the fault ledger ${why}, so tester cannot tell which faults a previous run left behind. ` +
        'Check the control plane for faults still active (chaos, drift) and undo them by hand, then run ' +
        '`tester cleanup --force` to move the file aside (it is kept, renamed, for inspection).',
    );
  }
}

/** Reads a regular file of bounded size without blocking on a FIFO; throws {@link LedgerCorruptError} otherwise. */
function readLedgerText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new LedgerCorruptError(file, `cannot be opened (${(error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new LedgerCorruptError(file, 'is not a regular file');
    if (stats.size > MAX_LEDGER_BYTES) throw new LedgerCorruptError(file, `is ${stats.size} bytes, more than the ${MAX_LEDGER_BYTES} a ledger can be`);
    const buffer = Buffer.alloc(stats.size);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

const isEntry = (e: unknown): e is LedgerEntry =>
  !!e &&
  typeof e === 'object' &&
  ['id', 'action', 'description', 'runId'].every((k) => typeof (e as Record<string, unknown>)[k] === 'string');

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

  /**
   * Every entry not yet struck off. A torn or hand-edited file must not hide faults: anything but a ledger of
   * valid entries throws {@link LedgerCorruptError} instead of reading as empty.
   */
  entries(): LedgerEntry[] {
    if (!existsSync(this.file)) return [];
    const text = readLedgerText(this.file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LedgerCorruptError(this.file, 'is not valid JSON');
    }
    const entries = parsed && typeof parsed === 'object' ? (parsed as Partial<LedgerFile>).entries : undefined;
    if (!Array.isArray(entries)) throw new LedgerCorruptError(this.file, 'has no "entries" list');
    const bad = entries.findIndex((e) => !isEntry(e));
    if (bad >= 0) throw new LedgerCorruptError(this.file, `has an invalid entry (entries[${bad}] needs id, action, description and runId)`);
    return entries;
  }

  /**
   * Moves an unreadable ledger aside (`ledger.json.corrupt-<time>`), so that runs can start again; returns the new
   * path, or `undefined` when the ledger reads fine (nothing is moved). For `tester cleanup --force`.
   */
  moveAsideIfCorrupt(): string | undefined {
    try {
      this.entries();
      return undefined;
    } catch (error) {
      if (!(error instanceof LedgerCorruptError)) throw error;
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.file, aside);
      return aside;
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
