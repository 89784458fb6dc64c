/**
 * The four seed scenarios in `scenarios/`, run by the BUILT cli against a PRIVATE reference control plane (its own
 * port, Kafka topic and database) scraped by a PRIVATE Prometheus: all four pass on the healthy control plane, and
 * each has a failing twin: the same file against a control plane with the misbehaviour switch that breaks what
 * the scenario is about, which must exit 1 and fail on the expectation that names that fault, with evidence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attemptOf, instance as privateInstance, runSeed, summary, type Instance } from './helpers/seed';

/** What the current test started, stopped after it whatever happened. */
let started: Instance[] = [];
afterEach(async () => {
  for (const s of started.reverse()) await s.stop();
  started = [];
});

async function instance(misbehave: string[]): Promise<Instance> {
  const inst = await privateInstance(misbehave);
  started.push(inst);
  return inst;
}

describe('the seed scenarios on the healthy reference control plane', () => {
  it('all four pass through the cli (exit 0)', { timeout: 240_000 }, async () => {
    const r = await runSeed(await instance([]), ['mysql_failure.yaml', 'chaos_latency_injection.yaml', 'policy_evaluation.yaml', 'reconciliation_loop.yaml']);
    expect(r.code, `${r.output}\n${summary(r.report)}`).toBe(0);
    expect(r.report.summary).toMatchObject({ total: 4, passed: 4 });
    expect(r.stdout).toContain('PASSED: 4 passed');
    // Every expectation was judged on evidence, not passed by default.
    for (const s of r.report.scenarios) for (const e of s.attempts[0]!.expectations) expect(e.status, `${s.name} ${e.id}`).toBe('passed');
  });
});

interface Twin {
  file: string;
  name: string;
  /** The reference control plane's misbehaviour switch. */
  misbehave: string;
  /** The expectations that must fail, each with its message and the observation kinds its evidence may be. */
  fails: { id: string; message: RegExp; evidence: string[] }[];
}
const twins: Twin[] = [
  {
    // Never reconnects: auto-recover ends FAILED, and mysql is still DISCONNECTED when the scenario times out.
    file: 'mysql_failure.yaml',
    name: 'mysql_failure',
    misbehave: 'no-recovery',
    fails: [
      { id: 'states[0]', message: /mysql ended DISCONNECTED, expected CONNECTED/, evidence: ['system.state'] },
      { id: 'policies[0]', message: /expected auto-recover to end SUCCEEDED, \S+ ended FAILED/, evidence: ['policy.execution', 'event'] },
    ],
  },
  {
    // /metrics frozen at the fault's start: the slow health queries during the fault never show (the evidence is
    // the frozen sample in force when the fault started).
    file: 'chaos_latency_injection.yaml',
    name: 'chaos_latency_injection',
    misbehave: 'stale-metrics',
    fails: [{ id: 'metrics[0]', message: /over the fault \(4s\) = 0, expected >= 1 \(#\d+ prometheus /, evidence: ['metric.sample'] }],
  },
  {
    // auto-recover fires twice for one loss: the REST executions and the POLICY_TRIGGERED events both show it.
    file: 'policy_evaluation.yaml',
    name: 'policy_evaluation',
    misbehave: 'double-policy',
    fails: [
      { id: 'policies[0]', message: /expected auto-recover to fire exactly 1 time, auto-recover fired 2 times/, evidence: ['policy.execution', 'event'] },
      { id: 'events[0]', message: /POLICY_TRIGGERED .*count == 1, saw 2/, evidence: ['event'] },
    ],
  },
  {
    // Every event published twice with the same id: the drift is "detected" twice.
    file: 'reconciliation_loop.yaml',
    name: 'reconciliation_loop',
    misbehave: 'duplicate-events',
    fails: [{ id: 'events[0]', message: /DRIFT_DETECTED .*count == 1, saw 2 \(#\d+ kafka .* DRIFT_DETECTED id=(\S+), #\d+ kafka .* DRIFT_DETECTED id=\1\)/, evidence: ['event'] }],
  },
];

describe('each seed scenario has a failing twin (the matching misbehaviour switch)', () => {
  for (const { file, name, misbehave, fails } of twins) {
    it(`${name} fails on ${fails.map((f) => f.id).join(' and ')} against --misbehave ${misbehave}`, { timeout: 180_000 }, async () => {
      const r = await runSeed(await instance([misbehave]), [file]);
      const attempt = attemptOf(r.report, name);
      const context = `${r.output}\n${summary(r.report)}`;
      expect(r.code, context).toBe(1);
      expect(attempt.status, context).toBe('failed');
      for (const f of fails) {
        const e = attempt.expectations.find((x) => x.id === f.id)!;
        expect(e.status, context).toBe('failed');
        expect(e.message).toMatch(f.message);
        expect(e.evidence.length, `${f.id} cites no evidence: ${e.message}`).toBeGreaterThan(0);
        for (const o of e.evidence) expect(f.evidence, `${f.id} cites a ${o.kind}`).toContain(o.kind);
      }
      // The console names the failing scenario and shows the evidence to a person too.
      expect(r.stdout).toContain(`✗ ${name}`);
      expect(r.stdout).toMatch(/evidence #\d+/);
    });
  }
});
