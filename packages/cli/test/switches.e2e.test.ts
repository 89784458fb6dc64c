/**
 * Every misbehaviour switch of the reference control plane is caught by a shipped scenario, through the BUILT cli,
 * soon after the system settles: never by waiting for the timeout. Each run's figures (wall time, the fault, the
 * system's reaction until it settled, what came after) are printed as a table, and the part after the system
 * settled is bounded: settle + the barriers + stopping, under a second past `window.settle` where the system
 * settles at all. `ignore-chaos` (the fault is accepted and reported, and does nothing) makes every scenario that
 * injects a fault `error`: it proves nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../src/core-types';
import { instance, runSeed, summary, type Instance } from './helpers/seed';

interface Case {
  misbehave: string;
  file: string;
  name: string;
  status: 'failed' | 'error';
  /** Expectations that must be `failed` (for `failed`), or the reason's pattern (for `error`). */
  failed?: string[];
  reason?: RegExp;
}

const cases: Case[] = [
  { misbehave: 'no-recovery', file: 'mysql_failure.yaml', name: 'mysql_failure', status: 'failed', failed: ['states[0]', 'states[1]', 'policies[0]'] },
  { misbehave: 'wrong-final-state', file: 'mysql_failure.yaml', name: 'mysql_failure', status: 'failed', failed: ['states[0]', 'metrics[1]'] },
  { misbehave: 'missing-events', file: 'mysql_failure.yaml', name: 'mysql_failure', status: 'failed', failed: ['events[1]', 'events[2]'] },
  { misbehave: 'late-recovery', file: 'mysql_failure.yaml', name: 'mysql_failure', status: 'failed', failed: ['states[1]', 'timing[1]'] },
  { misbehave: 'double-policy', file: 'policy_evaluation.yaml', name: 'policy_evaluation', status: 'failed', failed: ['policies[0]', 'events[0]'] },
  { misbehave: 'duplicate-events', file: 'reconciliation_loop.yaml', name: 'reconciliation_loop', status: 'failed', failed: ['events[0]', 'events[1]', 'events[3]'] },
  { misbehave: 'stale-metrics', file: 'chaos_latency_injection.yaml', name: 'chaos_latency_injection', status: 'failed', failed: ['metrics[0]', 'metrics[1]'] },
  ...['mysql_failure', 'chaos_latency_injection', 'policy_evaluation'].map(
    (name): Case => ({ misbehave: 'ignore-chaos', file: `${name}.yaml`, name, status: 'error', reason: /had no observable effect .* the scenario proves nothing/ }),
  ),
];

const rows: string[] = [];
const instances: Instance[] = [];
afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.stop()));
  console.log(['switch               scenario                  status  wall    start   fault+reaction  settled->end', ...rows].join('\n'));
});

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Wall time, fault start -> settled minus the quiet period (the system's own fault + reaction), and settled -> the end. */
function figures(r: ScenarioResult) {
  const start = r.phases[0]!.startedAt;
  const end = r.phases.at(-1)!.endedAt ?? start + r.durationMs;
  const faultStart = r.faults[0]?.startedAt ?? r.window.opensAt ?? start;
  const settled = r.window.settledAt;
  return {
    wall: r.durationMs,
    start: faultStart - start,
    reaction: settled === undefined ? undefined : settled - r.window.settleMs - faultStart,
    afterSettled: settled === undefined ? undefined : end - settled,
  };
}

describe.concurrent('each misbehaviour switch is caught soon after the system settles', () => {
  for (const c of cases) {
    it(`${c.misbehave}: ${c.name} is ${c.status}`, { timeout: 180_000 }, async () => {
      const inst = await instance([c.misbehave]);
      instances.push(inst);
      const r = await runSeed(inst, [c.file]);
      const attempt = r.report.scenarios[0]!.attempts[0]!;
      const context = `${r.output}\n${summary(r.report)}`;
      expect(r.code, context).toBe(1);
      expect(attempt.status, context).toBe(c.status);
      for (const id of c.failed ?? []) expect(attempt.expectations.find((e) => e.id === id)?.status, `${id}\n${context}`).toBe('failed');
      if (c.reason) expect(attempt.reason, context).toMatch(c.reason);
      // Never the timeout: the window closed on a settled system, and the run ended right after.
      const f = figures(attempt);
      rows.push(
        `${c.misbehave.padEnd(20)} ${c.name.padEnd(25)} ${attempt.status.padEnd(7)} ${secs(f.wall).padEnd(7)} ${secs(f.start).padEnd(7)} ${f.reaction === undefined ? '-' : secs(f.reaction).padEnd(15)} ${f.afterSettled === undefined ? '-' : secs(f.afterSettled)}`,
      );
      expect(attempt.window.closed, context).toBe(true);
      expect(attempt.reason ?? '', context).not.toMatch(/timed out|never settled/);
      // After it settled: window.after, the barriers (Prometheus: up to one scrape interval, 1 s here) and stopping.
      expect(f.afterSettled!, `from settled to the end of the run\n${context}`).toBeLessThanOrEqual(attempt.window.afterMs + 2_500);
    });
  }
});
