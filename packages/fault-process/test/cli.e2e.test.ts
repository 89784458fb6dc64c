import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@tester/core/testing';
import { killSpawned, project, spawnSleep, startCli, stateOf, type CliRun } from './helpers';
import { expectReportReplays } from '../../../scripts/test-support/replay.mjs';

/**
 * The real CLI (the built bin) loading this plugin by package name from a config file, pausing a real `sleep`
 * named by its pid file: the process is continued on every exit path of the tester.
 */
afterEach(() => killSpawned());

const config = `builtins: false
plugins:
  - '@tester/fault-process'
`;

const setup = (duration: string) => {
  const { pid } = spawnSleep();
  const dir = project({
    'tester.config.yaml': config,
    'sleeper.pid': `${pid}\n`,
    'scenarios/pause.yaml': `name: pause_sleeper
timeout: 90s
window: { settle: 300ms }
actions:
  - { type: PROCESS_PAUSE, pid_file: sleeper.pid, duration: ${duration}, system: sleeper, harmless: true }
`,
  });
  return { pid, dir };
};

const ledgerEntries = (dir: string): unknown[] => {
  const file = join(dir, '.tester', 'ledger.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] }).entries : [];
};

/** Waits until the tester has stopped the process (its state in /proc/<pid>/stat is T). */
const paused = (pid: number, cli: CliRun) =>
  eventually(() => stateOf(pid) === 'T', 30_000, `pid ${pid} stopped`).catch((error: Error) => {
    throw new Error(`${error.message}\n${cli.output()}`);
  });

describe('tester with @tester/fault-process (real CLI, real process)', () => {
  it('normal end: the process is stopped during the fault and running after it (exit 0)', async () => {
    const { pid, dir } = setup('2s');
    const cli = startCli(['ci', '-r', 'console', '-r', 'json=report.json'], dir);
    await paused(pid, cli);
    const result = await cli.done;
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/pause_sleeper .*passed/);
    expect(stateOf(pid)).not.toBe('T');
    expect(ledgerEntries(dir)).toEqual([]);
    // Replay equals live: the recorded run re-judges to the same verdict.
    const live = await expectReportReplays(dir, 'report.json', (args, cwd) => startCli(args, cwd).done);
    expect(live.scenarios[0]?.attempts[0]).toMatchObject({ status: 'passed', replay: expect.any(Object) });
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} to the tester during the fault: the rollback continues the process (exit ${code})`, async () => {
      const { pid, dir } = setup('60s');
      const cli = startCli(['ci', '-r', 'console'], dir);
      await paused(pid, cli);
      cli.child.kill(signal);
      const result = await cli.done;
      expect(result.code, result.output).toBe(code);
      expect(stateOf(pid)).not.toBe('T');
      expect(ledgerEntries(dir)).toEqual([]);
    });
  }

  it('kill -9 of the tester leaves the process stopped; `tester cleanup` continues it', async () => {
    const { pid, dir } = setup('60s');
    const cli = startCli(['ci', '-r', 'console'], dir);
    await paused(pid, cli);
    cli.child.kill('SIGKILL');
    expect((await cli.done).signal).toBe('SIGKILL');
    expect(stateOf(pid)).toBe('T');
    expect(ledgerEntries(dir)).toHaveLength(1);

    const cleanup = await startCli(['cleanup'], dir).done;
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(cleanup.output).toMatch(/✓ paused pid \d+ \(sleep\).*: undone/);
    expect(stateOf(pid)).not.toBe('T');
    expect(ledgerEntries(dir)).toEqual([]);
    const again = await startCli(['cleanup'], dir).done;
    expect(again.output).toMatch(/is empty: nothing to clean up/);
  });
});
