/**
 * "Verdict truth": prove the verdicts with mutants. On the real stack and ONE healthy private reference control
 * plane (its own Prometheus), every mutant of the four seed scenarios (`src/mutation`: one expectation key
 * changed so that the healthy system must contradict it) must end `failed`, with exactly the mutated expectation
 * failed and every other one passed; each original, run in the same batch, must pass. Each scenario is
 * retargeted at a system of its own while the control plane's 64 systems last, then at a shared one (never one
 * used by a reconciliation scenario; the cli never runs two scenarios of one system at once), all in one
 * `tester ci --concurrency K` of the BUILT cli (K=10: ~80 s for 93 scenarios on 2 cores; 8: ~100 s; 12: ~72 s).
 * The suite prints its mutation score per seed and requires 100%.
 *
 * Then the four seeds, retargeted at one system, run back to back (`--concurrency 1`) in a seeded shuffled
 * order three times: none may end `error` (all pass).
 *
 * The seeds are read from `scenarios/` at every run. `MUTATION_CONCURRENCY` (default 10), `MUTATION_SEED`
 * (default: the time) and `MUTATION_SEEDS` (a subset of the seeds to mutate) tune a run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retarget } from '../src/mutation';
import {
  createResources,
  driftedResources,
  judge,
  MAX_SYSTEMS,
  planMutationBatch,
  prng,
  runBatch,
  scoreTable,
  SCENARIOS,
  seedSystem,
  SEEDS,
  shuffle,
  startMutationStack,
  writeBatch,
  type MutationStack,
  type Planned,
} from './helpers/mutation';

const CONCURRENCY = Number(process.env.MUTATION_CONCURRENCY ?? 10);
/** A comma-separated subset of the seeds to mutate (all four by default), to study one of them. */
const ONLY = process.env.MUTATION_SEEDS?.split(',').map((x) => x.trim()).filter(Boolean);
const SEED = Number(process.env.MUTATION_SEED ?? Date.now() % 1_000_000);
/** The system the shuffled seeds share (after the mutation batch, which is over by then). */
const SHUFFLE_SYSTEM = `mysql-${MAX_SYSTEMS}`;

let stack: MutationStack | undefined;
beforeAll(async () => {
  stack = await startMutationStack(MAX_SYSTEMS);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('mutation suite: the healthy control plane contradicts every mutant of the seed scenarios', () => {
  it('kills 100% of the mutants (each fails on exactly its mutated expectation), and every original passes', { timeout: 240_000 }, async () => {
    const s = stack as MutationStack;
    const planned = planMutationBatch(s.systems, ONLY ?? SEEDS);
    await createResources(s.cp, planned.flatMap((p) => driftedResources(p.yaml)));
    const dir = writeBatch(s, planned);
    const r = await runBatch(dir, CONCURRENCY);
    const judgements = planned.map((p) => judge(r.report, p));
    const table = scoreTable(judgements);
    const mutantsRun = planned.filter((p) => p.mutant).length;
    console.log(
      `mutation batch: ${planned.length} scenarios (${mutantsRun} mutants + ${planned.length - mutantsRun} originals) on ${s.systems} systems, ` +
        `--concurrency ${CONCURRENCY}, cli wall time ${(r.wallMs / 1000).toFixed(1)} s (exit ${r.code}; files in ${dir})\n${table}`,
    );
    expect(r.report, `no JSON report:\n${r.stdout}\n${r.stderr}`).toBeDefined();
    expect(r.report!.summary.total).toBe(planned.length);
    const bad = judgements.filter((j) => !j.ok).map((j) => `${j.verdict} ${j.planned.name}: ${j.detail}`);
    expect(bad, table).toEqual([]);
  });
});

describe('the seed scenarios back to back on one system', () => {
  it(`run in a seeded shuffled order three times (seed ${SEED}), none ends error: all pass`, { timeout: 240_000 }, async () => {
    const s = stack as MutationStack;
    const random = prng(SEED);
    const texts = Object.fromEntries(SEEDS.map((seed) => [seed, readFileSync(join(SCENARIOS, `${seed}.yaml`), 'utf8')]));
    const rounds = [1, 2, 3].map(() => shuffle(SEEDS, random));
    const planned: Planned[] = rounds.flatMap((order, r) =>
      order.map((seed) => {
        const text = texts[seed] as string;
        const name = `${seed}~round${r + 1}`;
        return { name, seed, system: SHUFFLE_SYSTEM, yaml: retarget(text, { systems: { [seedSystem(text)]: SHUFFLE_SYSTEM }, name }) };
      }),
    );
    console.log(`shuffle seed ${SEED}: ${rounds.map((order, r) => `round ${r + 1}: ${order.join(', ')}`).join('; ')}`);
    await createResources(s.cp, planned.flatMap((p) => driftedResources(p.yaml)));
    const dir = writeBatch(s, planned);
    const r = await runBatch(dir, 1);
    const rows = planned.map((p) => {
      const attempt = r.report?.scenarios.find((x) => x.name === p.name)?.attempts[0];
      const wrong = attempt?.expectations.filter((e) => e.status !== 'passed') ?? [];
      return {
        name: p.name,
        status: attempt?.status ?? 'missing',
        line: `${p.name}: ${attempt?.status ?? 'missing'}${attempt?.reason ? ` (${attempt.reason})` : ''}${wrong.map((e) => `\n      ${e.id} ${e.status}: ${e.message}`).join('')}`,
      };
    });
    const table = rows.map((x) => x.line).join('\n');
    console.log(`back to back, cli wall time ${(r.wallMs / 1000).toFixed(1)} s (exit ${r.code}):\n${table}`);
    expect(rows.filter((x) => x.status === 'error').map((x) => x.line), table).toEqual([]);
    expect(rows.filter((x) => x.status !== 'passed').map((x) => x.line), table).toEqual([]);
  });
});
