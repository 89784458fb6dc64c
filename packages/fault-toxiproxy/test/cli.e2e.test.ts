import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tester/core/testing';
import { startToxiproxy } from '../../../scripts/stack/index.mjs';
import { createProxy, firstByteMs, project, proxyOf, startCli, toxicsOf } from './helpers';
import { expectReportReplays } from '../../../scripts/test-support/replay.mjs';

/**
 * The real CLI (the built bin) loading this plugin by package name from a config file, as a user's project does,
 * with a private Toxiproxy in front of the stack's MariaDB (which greets first: the greeting's delay is the toxic's).
 */
let tp: Awaited<ReturnType<typeof startToxiproxy>>;
const mariadbPort = () => Number(process.env.TESTER_MARIADB_PORT ?? 3306);

beforeAll(async () => {
  tp = await startToxiproxy();
});
afterAll(async () => {
  await tp?.stop();
});

const newProxy = async () => {
  const name = `mariadb-${randomBytes(3).toString('hex')}`;
  return { name, port: await createProxy(tp.url, name, mariadbPort()) };
};

const config = () => `builtins: false
plugins:
  - '@tester/fault-toxiproxy'
'@tester/fault-toxiproxy':
  url: ${tp.url}
`;

const scenario = (action: string) => `name: through_toxiproxy
timeout: 90s
window: { settle: 300ms }
actions:
  - ${action}
`;

const ledgerEntries = (dir: string): unknown[] => {
  const file = join(dir, '.tester', 'ledger.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] }).entries : [];
};

describe('tester with @tester/fault-toxiproxy (real CLI, real Toxiproxy, real MariaDB)', () => {
  it('runs a TOXIC scenario: the toxic is there during the fault, MariaDB really answers late, and it is gone after (exit 0)', async () => {
    const { name, port } = await newProxy();
    expect(await firstByteMs(port)).toBeLessThan(1000);
    const dir = project({
      'tester.config.yaml': config(),
      'scenarios/latency.yaml': scenario(`{ type: TOXIC, proxy: ${name}, toxic: latency, attributes: { latency: 1500 }, duration: 5s, system: mysql, harmless: true }`),
    });
    const cli = startCli(['ci', '-r', 'console', '-r', 'json=report.json'], dir);
    const toxic = await eventually(async () => (await toxicsOf(tp.url, name))[0], 30_000, `a toxic on ${name}\n${cli.output()}`);
    expect(toxic).toMatchObject({ type: 'latency', stream: 'downstream', attributes: { latency: 1500 } });
    expect(toxic.name).toMatch(/^tester-/);
    expect(await firstByteMs(port)).toBeGreaterThanOrEqual(1450);
    const result = await cli.done;
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/through_toxiproxy .*passed/);
    expect(await toxicsOf(tp.url, name)).toEqual([]);
    expect(await firstByteMs(port)).toBeLessThan(1000);
    expect(ledgerEntries(dir)).toEqual([]);
    // Replay equals live: the recorded run re-judges to the same verdict.
    const live = await expectReportReplays(dir, 'report.json', (args, cwd) => startCli(args, cwd).done);
    expect(live.scenarios[0]?.attempts[0]).toMatchObject({ status: 'passed', replay: expect.any(Object) });
  });

  for (const [what, action, leftBehind, gone] of [
    [
      'a toxic',
      (proxy: string) => `{ type: TOXIC, proxy: ${proxy}, toxic: latency, attributes: { latency: 1500 }, duration: 60s, system: mysql, harmless: true }`,
      async (proxy: string) => (await toxicsOf(tp.url, proxy)).length === 1,
      async (proxy: string) => (await toxicsOf(tp.url, proxy)).length === 0,
    ],
    [
      'a disabled proxy',
      (proxy: string) => `{ type: PROXY_DOWN, proxy: ${proxy}, duration: 60s, system: mysql, harmless: true }`,
      async (proxy: string) => !(await proxyOf(tp.url, proxy)).enabled,
      async (proxy: string) => (await proxyOf(tp.url, proxy)).enabled,
    ],
  ] as const) {
    it(`kill -9 of the tester during the fault leaves ${what} behind, and \`tester cleanup\` undoes it`, async () => {
      const { name, port } = await newProxy();
      const dir = project({ 'tester.config.yaml': config(), 'scenarios/long.yaml': scenario(action(name)) });
      const cli = startCli(['ci', '-r', 'console'], dir);
      await eventually(() => leftBehind(name), 30_000, `${what} on ${name}\n${cli.output()}`);
      expect(ledgerEntries(dir)).toHaveLength(1);
      cli.child.kill('SIGKILL');
      expect((await cli.done).signal).toBe('SIGKILL');
      expect(await leftBehind(name)).toBe(true);

      const cleanup = await startCli(['cleanup'], dir).done;
      expect(cleanup.code, cleanup.output).toBe(0);
      expect(cleanup.output).toMatch(/✓ .*: undone/);
      expect(await gone(name)).toBe(true);
      expect(ledgerEntries(dir)).toEqual([]);
      expect(await firstByteMs(port)).toBeLessThan(1000);

      const again = await startCli(['cleanup'], dir).done;
      expect(again.code, again.output).toBe(0);
      expect(again.output).toMatch(/is empty: nothing to clean up/);
    });
  }
});
