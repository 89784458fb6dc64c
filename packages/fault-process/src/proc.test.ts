import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '@tester/core/runner';
import { processPlugin } from './index';
import { readStat, sameProcess, selfAndAncestors } from './proc';

describe('/proc', () => {
  it('reads identity and state, even when the command name holds spaces and parentheses', async () => {
    // A command name like "a) (b c" puts ") (" inside comm: fields must be read after the LAST ')'.
    const dir = mkdtempSync(join(tmpdir(), 'proc-'));
    const odd = join(dir, 'x) (y z');
    symlinkSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const stat = readStat(child.pid!)!;
      expect(stat).toMatchObject({ pid: child.pid, comm: 'x) (y z', ppid: process.pid });
      // Running, sleeping, or in an uninterruptible wait while exec loads the binary (seen once on a loaded machine).
      expect(stat.state).toMatch(/^[RSD]$/);
      expect(stat.startTime).toMatch(/^\d+$/);
      expect(sameProcess(child.pid!, stat.startTime)).toBeDefined();
      expect(sameProcess(child.pid!, `${stat.startTime}1`)).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
    expect(readStat(4_194_000)).toBeUndefined();
  });

  it('knows the tester and its ancestors', () => {
    const chain = selfAndAncestors();
    expect(chain.has(process.pid)).toBe(true);
    expect(chain.has(process.ppid)).toBe(true);
    expect(chain.has(0)).toBe(false);
  });
});

describe('options', () => {
  it('has defaults and one line per bad option', () => {
    expect(processPlugin().options).toEqual({ signalTimeout: 5000, exitTimeout: 10_000, readyTimeout: 30_000, pollInterval: 50 });
    expect(() => processPlugin({ exitTimeout: 'later', bogus: 1 } as never)).toThrow(/config exitTimeout: expected a duration such as 30, .*got string "later"\n.*config bogus: unknown key "bogus" \(accepted keys: signalTimeout, exitTimeout, readyTimeout, pollInterval\)/);
  });
});

describe('JSON Schema', () => {
  it('is generated for editors from the same schemas', () => {
    const text = JSON.stringify(scenarioJsonSchema([processPlugin()]));
    for (const word of ['PROCESS_PAUSE', 'PROCESS_TERMINATE', 'PROCESS_KILL', 'pid_file', 'ready_timeout']) expect(text).toContain(word);
  });
});
