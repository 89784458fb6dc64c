/** The mutation suite's plan and judge, without the stack: which scenario runs where, and what counts as killed. */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ExpectationResult, ScenarioResult } from '../src/core-types';
import type { SuiteReport } from '../src/reporters/types';
import { judge, planMutationBatch, prng, scoreTable, shuffle, type Planned } from './helpers/mutation';

describe('planMutationBatch', () => {
  const planned = planMutationBatch(64);

  it('plans every mutant of every seed and each original once, under unique names', () => {
    expect(planned.filter((p) => !p.mutant).map((p) => p.name).sort()).toEqual(
      ['chaos_latency_injection~original', 'mysql_failure~original', 'policy_evaluation~original', 'reconciliation_loop~original'],
    );
    expect(new Set(planned.map((p) => p.name)).size).toBe(planned.length);
    expect(planned.length).toBeGreaterThan(60);
  });

  it('retargets each file at its system: systems, actions, expectations and name', () => {
    for (const p of planned) {
      const doc = parse(p.yaml) as { name: string; systems: string[]; actions: { system?: string; resource?: string }[]; expectations: Record<string, { system?: string }[]> };
      expect(doc.name).toBe(p.name);
      expect(doc.systems).toEqual([p.system]);
      for (const a of doc.actions) {
        if (a.system) expect(a.system).toBe(p.system);
        if (a.resource) expect(a.resource.startsWith(`${p.system}.`)).toBe(true);
      }
      for (const items of Object.values(doc.expectations)) for (const item of items) if (item.system) expect(item.system).toBe(p.system);
    }
  });

  it('gives reconciliation scenarios systems of their own (their rollback drifts after the window)', () => {
    const recon = new Set(planned.filter((p) => p.seed === 'reconciliation_loop').map((p) => p.system));
    expect(recon.size).toBe(planned.filter((p) => p.seed === 'reconciliation_loop').length);
    for (const p of planned) if (p.seed !== 'reconciliation_loop') expect(recon.has(p.system)).toBe(false);
  });
});

const exp = (id: string, status: ExpectationResult['status']) => ({ id, status, message: `${id} ${status}` }) as ExpectationResult;
const reportOf = (name: string, status: ScenarioResult['status'], expectations: ExpectationResult[]) =>
  ({ scenarios: [{ name, attempts: [{ status, expectations } as unknown as ScenarioResult] }] }) as unknown as SuiteReport;
const mutantPlan: Planned = {
  name: 'm',
  seed: 'mysql_failure',
  system: 'mysql-2',
  yaml: '',
  mutant: { id: 'x', expectation: 'events[0]', operator: 'count+1', description: 'events[0]: count 1 -> 2', yaml: '' },
};

describe('judge', () => {
  it('killed: failed, with exactly the mutated expectation failed', () => {
    expect(judge(reportOf('m', 'failed', [exp('events[0]', 'failed'), exp('states[0]', 'passed')]), mutantPlan).verdict).toBe('killed');
  });
  it('survived: the mutated expectation passed', () => {
    expect(judge(reportOf('m', 'passed', [exp('events[0]', 'passed')]), mutantPlan)).toMatchObject({ ok: false, verdict: 'survived' });
  });
  it('unclean: another expectation did not pass, or the scenario is an error', () => {
    expect(judge(reportOf('m', 'failed', [exp('events[0]', 'failed'), exp('metrics[0]', 'failed')]), mutantPlan).verdict).toBe('unclean');
    expect(judge(reportOf('m', 'error', [exp('events[0]', 'error')]), mutantPlan).verdict).toBe('unclean');
    expect(judge(reportOf('m', 'failed', [exp('events[0]', 'failed'), exp('states[0]', 'undecided')]), mutantPlan).verdict).toBe('unclean');
  });
  it('an original must pass; a scenario missing from the report is not ok', () => {
    const original = { ...mutantPlan, mutant: undefined };
    expect(judge(reportOf('m', 'passed', [exp('events[0]', 'passed')]), original).verdict).toBe('passed');
    expect(judge(reportOf('m', 'failed', [exp('events[0]', 'failed')]), original).verdict).toBe('broken');
    expect(judge(reportOf('other', 'passed', []), mutantPlan).verdict).toBe('missing');
  });
  it('the score table counts per seed and names what was not killed', () => {
    const table = scoreTable([
      judge(reportOf('m', 'failed', [exp('events[0]', 'failed')]), mutantPlan),
      judge(reportOf('m', 'passed', [exp('events[0]', 'passed')]), { ...mutantPlan, name: 'm' }),
    ]);
    expect(table).toContain('mutation score: mysql_failure              1/2');
    expect(table).toContain('mutation score: total                      1/2 (50.0%)');
    expect(table).toMatch(/SURVIVED m on mysql-2 \[events\[0\]: count 1 -> 2\]/);
  });
});

describe('shuffle', () => {
  it('is a permutation, the same for the same seed', () => {
    const xs = ['a', 'b', 'c', 'd'];
    const a = shuffle(xs, prng(42));
    expect([...a].sort()).toEqual(xs);
    expect(shuffle(xs, prng(42))).toEqual(a);
  });
});
