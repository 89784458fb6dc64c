import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLedger } from './ledger';

describe('FileLedger', () => {
  it('records entries on disk before returning and strikes them off', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-')), '.tester', 'ledger.json');
    const ledger = new FileLedger(file).forRun('run-1');
    const [h1, h2] = await Promise.all([
      ledger.record({ action: 'CHAOS', description: 'chaos c1', data: { id: 'c1', baseUrl: 'http://127.0.0.1:8080' } }),
      ledger.record({ action: 'CHAOS', description: 'chaos c2', data: { id: 'c2' } }),
    ]);
    // A second process reading the file sees both (what `tester cleanup` after kill -9 relies on).
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { entries: { description: string; runId: string }[] };
    expect(onDisk.entries.map((e) => [e.description, e.runId])).toEqual([
      ['chaos c1', 'run-1'],
      ['chaos c2', 'run-1'],
    ]);
    await h1.strike();
    expect(new FileLedger(file).entries().map((e) => e.description)).toEqual(['chaos c2']);
    await h2.strike();
    await h2.strike();
    expect(new FileLedger(file).entries()).toEqual([]);
  });

  it('refuses to treat a corrupt ledger as empty', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger.json');
    writeFileSync(file, '{ not json');
    expect(() => new FileLedger(file).entries()).toThrow(
      expect.objectContaining({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/ledger\.json: the fault ledger is not valid JSON, .*`tester cleanup --force` to move the file aside/) }),
    );
    for (const [text, why] of [
      ['null', 'has no "entries" list'],
      ['{"entries": [1]}', 'has an invalid entry (entries[0] needs id, action, description and runId)'],
    ] as const) {
      writeFileSync(file, text);
      expect(() => new FileLedger(file).entries()).toThrow(why);
    }
  });

  it('moves a corrupt ledger aside (cleanup --force) and leaves a readable one alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    const file = join(dir, 'ledger.json');
    await new FileLedger(file).forRun('r').record({ action: 'CHAOS', description: 'c', data: {} });
    expect(new FileLedger(file).moveAsideIfCorrupt()).toBeUndefined();
    writeFileSync(file, '{ torn');
    const aside = new FileLedger(file).moveAsideIfCorrupt();
    expect(aside).toMatch(/ledger\.json\.corrupt-/);
    expect(readFileSync(aside as string, 'utf8')).toBe('{ torn');
    expect(new FileLedger(file).entries()).toEqual([]);
  });

  it('refuses a ledger that is not a regular file without blocking on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    execFileSync('mkfifo', [join(dir, 'ledger.json')]);
    expect(() => new FileLedger(join(dir, 'ledger.json')).entries()).toThrow('the fault ledger is not a regular file');
  });
});
