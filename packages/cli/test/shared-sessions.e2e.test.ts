/**
 * One observer session per source per process (issue "Speed and scale", point 3), on the real stack: two seed
 * scenarios on different systems, run together by one `tester ci`, see the same evidence as each running alone,
 * while the process joins one Kafka consumer group instead of one per scenario. TESTER_SHARE_OBSERVERS=0 (a session
 * per scenario) is the baseline the counts are compared with.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuiteReport } from '../src/reporters/types';
import { retarget } from '../src/mutation/retarget';
import { fixture, runCli } from './helpers/cli';
import { configFor, expectReportReplays, instance, PRIVATE, SCENARIOS, type Instance } from './helpers/seed';

let inst: Instance;
beforeAll(async () => {
  inst = await instance([], 2);
}, 120_000);
afterAll(async () => {
  await inst?.stop();
});

const seed = readFileSync(join(SCENARIOS, 'mysql_failure.yaml'), 'utf8');
const on = (system: string) => retarget(seed, { systems: { mysql: system }, name: `loss_${system.replace('-', '_')}` });

/** The tester consumer groups the broker knows (they outlive their members for a while: count the new ones). */
async function testerGroups(): Promise<Set<string>> {
  const admin = new Kafka({ brokers: [process.env.TESTER_KAFKA_BOOTSTRAP as string], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return new Set((await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('tester-')));
  } finally {
    await admin.disconnect();
  }
}

/** `tester ci` on `files`; the report, and how many consumer groups it joined. */
async function run(files: Record<string, string>, env: Record<string, string | undefined> = {}) {
  const dir = fixture({ 'tester.config.yaml': configFor(inst) });
  mkdirSync(join(dir, 'scenarios'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'scenarios', name), text);
  const before = await testerGroups();
  const r = await runCli(['ci', '--concurrency', '2', '-r', 'console', '-r', 'json=report.json'], { cwd: dir, env: { ...PRIVATE.env, ...env } });
  const groups = [...(await testerGroups())].filter((g) => !before.has(g)).length;
  const report = await expectReportReplays(dir);
  return { code: r.code, output: r.stdout + r.stderr, report, groups };
}

/**
 * What each expectation concluded and on what evidence, without what differs between any two runs (seq numbers,
 * times, ids the control plane generates, how many samples of a series a scrape cadence gave): its status, and the
 * distinct pieces of evidence as source, kind, subject and the state or event type they show.
 */
function evidenceOf(report: SuiteReport, name: string) {
  const attempt = report.scenarios.find((s) => s.name === name)!.attempts[0]!;
  return attempt.expectations.map((e) => ({
    id: e.id,
    status: e.status,
    evidence: [
      ...new Set(
        e.evidence.map((o) => {
          const d = (o.data ?? {}) as { state?: string; type?: string; status?: string };
          return `${o.source} ${o.kind} ${o.subject ?? ''} ${d.state ?? d.type ?? d.status ?? ''}`.trim();
        }),
      ),
    ].sort(),
  }));
}

describe('shared observer sessions', () => {
  it('two scenarios on different systems, run together, see the evidence each sees alone; one consumer group, not two', { timeout: 240_000 }, async () => {
    const aloneA = await run({ 'a.yaml': on('mysql') });
    const aloneB = await run({ 'b.yaml': on('mysql-2') });
    const together = await run({ 'a.yaml': on('mysql'), 'b.yaml': on('mysql-2') });
    const apart = await run({ 'a.yaml': on('mysql'), 'b.yaml': on('mysql-2') }, { TESTER_SHARE_OBSERVERS: '0' });
    for (const r of [aloneA, aloneB, together, apart]) expect(r.code, r.output).toBe(0);

    expect(evidenceOf(together.report, 'loss_mysql')).toEqual(evidenceOf(aloneA.report, 'loss_mysql'));
    expect(evidenceOf(together.report, 'loss_mysql_2')).toEqual(evidenceOf(aloneB.report, 'loss_mysql_2'));
    // Neither saw the other's system in its evidence.
    expect(JSON.stringify(evidenceOf(together.report, 'loss_mysql'))).not.toMatch(/mysql-2/);

    // The process joined one group for both scenarios; a session per scenario joins one each.
    expect(aloneA.groups).toBe(1);
    expect(together.groups).toBe(1);
    expect(apart.groups).toBe(2);
  });
});
