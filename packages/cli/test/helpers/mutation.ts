/**
 * The mutation suite's harness: ONE private reference control plane with many systems and a private Prometheus
 * scraping it, the seed scenarios and their mutants retargeted one system each, run by the BUILT cli in one
 * `tester ci`, and the JSON report judged mutant by mutant.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PrivateControlPlane } from '../../../../scripts/stack/index.mjs';
import type { ExpectationResult, ScenarioResult } from '../../src/core-types';
import { mutants, retarget, type Mutant } from '../../src/mutation';
import type { SuiteReport } from '../../src/reporters/types';
import { fixture, runCli, until } from './cli';
import { instance, PRIVATE, type Instance } from './seed';

export const SCENARIOS = join(__dirname, '..', '..', '..', '..', 'scenarios');
export const SEEDS = ['mysql_failure', 'chaos_latency_injection', 'policy_evaluation', 'reconciliation_loop'] as const;
/** The reference control plane's ceiling for `--systems`. */
export const MAX_SYSTEMS = 64;
/** The control plane names its systems mysql, mysql-2 … mysql-N. */
export const systemName = (i: number) => (i === 1 ? 'mysql' : `mysql-${i}`);

/** The mutation suite's private instance: a control plane with `systems` systems and its own Prometheus. */
export type MutationStack = Instance & { systems: number };

/** A private control plane with `systems` systems and a Prometheus scraping only it, once it has scraped it. */
export async function startMutationStack(systems: number): Promise<MutationStack> {
  return { ...(await instance([], systems)), systems };
}

interface ScenarioShape {
  systems?: string[];
  actions?: { system?: string; resource?: string }[];
}

/** The seed scenario's system: the one it declares, else the one its first action names. */
export function seedSystem(text: string): string {
  const doc = parse(text) as ScenarioShape;
  const systems = doc.systems ?? [...new Set((doc.actions ?? []).map((a) => a.system).filter((s): s is string => typeof s === 'string'))];
  if (systems.length !== 1) throw new Error(`a seed scenario that touches ${systems.length} systems (${systems.join(', ')}): retargeting needs exactly one`);
  return systems[0] as string;
}

/** The configuration resources a retargeted scenario drifts (`mysql-7.max_connections`), to create beforehand. */
export function driftedResources(yamlText: string): string[] {
  return ((parse(yamlText) as ScenarioShape).actions ?? []).map((a) => a.resource).filter((r): r is string => typeof r === 'string');
}

/**
 * Makes each resource known to the control plane (a DRIFT action reads its desired value first, to roll back):
 * desired = the value of the same resource of `mysql`, then waits until none of them drifts (reconciled before
 * any scenario's window opens).
 */
export async function createResources(cp: PrivateControlPlane, resources: readonly string[]): Promise<void> {
  const todo = [...new Set(resources)];
  const templateOf = async (resource: string) => {
    const base = `mysql.${resource.split('.').slice(1).join('.')}`;
    const r = await fetch(`${cp.url}/api/v1/desired/${encodeURIComponent(base)}`);
    if (!r.ok) throw new Error(`GET desired ${base}: ${r.status} ${await r.text()}`);
    return r.text();
  };
  for (const resource of todo) {
    const known = await fetch(`${cp.url}/api/v1/desired/${encodeURIComponent(resource)}`);
    if (known.ok) continue;
    const body = await templateOf(resource);
    const put = await fetch(`${cp.url}/api/v1/desired/${encodeURIComponent(resource)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
    if (!put.ok) throw new Error(`PUT desired ${resource}: ${put.status} ${await put.text()}`);
  }
  await until(`the control plane to reconcile ${todo.length} new resources`, async () => {
    const drift = (await (await fetch(`${cp.url}/api/v1/drift`)).json()) as { resource: string; actual: unknown; drifted: boolean }[] | { items?: unknown };
    const list = Array.isArray(drift) ? drift : ((drift as { items?: { resource: string; actual: unknown; drifted: boolean }[] }).items ?? []);
    const settled = todo.every((r) => list.some((d) => d.resource === r && !d.drifted && d.actual !== null && d.actual !== undefined));
    return settled ? true : undefined;
  }, 60_000);
}

/** One scenario of a batch: a retargeted mutant, or a retargeted original (`mutant` undefined). */
export interface Planned {
  /** Unique scenario name in the batch. */
  name: string;
  seed: string;
  system: string;
  mutant?: Mutant;
  yaml: string;
}

/** A file name for a scenario name. */
const fileName = (order: number, name: string) => `${String(order).padStart(3, '0')}-${name.replace(/[^\w.-]+/g, '_')}.yaml`;

/**
 * Every mutant of every seed (read fresh from disk), plus each original, each retargeted at a system of its own
 * while systems last; then systems are shared (the cli never runs two scenarios on one system at once), except by
 * reconciliation scenarios, whose rollback leaves a drift that would land in the next scenario's window on that
 * system. Files are interleaved across seeds so that every moment of the batch runs a mix of them.
 */
export function planMutationBatch(systems: number, seeds: readonly string[] = SEEDS, keep: (m: Mutant) => boolean = () => true): Planned[] {
  const perSeed = seeds.map((seed) => {
    const text = readFileSync(join(SCENARIOS, `${seed}.yaml`), 'utf8');
    const original = { name: `${seed}~original`, seed, text, mutant: undefined as Mutant | undefined };
    return [original, ...mutants(text).filter(keep).map((m) => ({ name: `${seed}~${m.expectation}~${m.operator}`, seed, text: m.yaml, mutant: m as Mutant | undefined }))];
  });
  const interleaved: (typeof perSeed)[number] = [];
  for (let i = 0; perSeed.some((xs) => i < xs.length); i++) for (const xs of perSeed) if (xs[i]) interleaved.push(xs[i]!);
  // Reconciliation scenarios first, on systems of their own; the rest fill the remaining systems, then share them.
  const exclusive = interleaved.filter((x) => x.seed === 'reconciliation_loop');
  const shared = interleaved.filter((x) => x.seed !== 'reconciliation_loop');
  if (exclusive.length >= systems) throw new Error(`${exclusive.length} reconciliation scenarios need more than ${systems} systems`);
  const systemOf = new Map<string, string>();
  exclusive.forEach((x, i) => systemOf.set(x.name, systemName(i + 1)));
  const free = systems - exclusive.length;
  shared.forEach((x, i) => systemOf.set(x.name, systemName(exclusive.length + 1 + (i % free))));
  return interleaved.map((x) => {
    const system = systemOf.get(x.name) as string;
    return { name: x.name, seed: x.seed, system, mutant: x.mutant, yaml: retarget(x.text, { systems: { [seedSystem(x.text)]: system }, name: x.name }) };
  });
}

/** The config file and the scenario files of a batch, in a new folder; returns the folder. */
export function writeBatch(stack: MutationStack, planned: readonly Planned[]): string {
  const dir = fixture({
    'tester.config.yaml': [
      `controlPlaneUrl: ${stack.cp.url}`,
      `kafkaBootstrap: ${process.env.TESTER_KAFKA_BOOTSTRAP as string}`,
      `prometheusUrl: ${stack.prom.url}`,
      'kafka:',
      `  topics: ${stack.cp.topic}`,
      '',
    ].join('\n'),
  });
  mkdirSync(join(dir, 'scenarios'), { recursive: true });
  planned.forEach((p, i) => writeFileSync(join(dir, 'scenarios', fileName(i, p.name)), p.yaml));
  return dir;
}

/** Runs `tester ci` over the batch folder; the exit code, output, JSON report and wall time. */
export async function runBatch(dir: string, concurrency: number) {
  const started = Date.now();
  const r = await runCli(['ci', '--scenarios-dir', 'scenarios', '--concurrency', String(concurrency), '-r', 'json=report.json'], { cwd: dir, ...PRIVATE });
  const wallMs = Date.now() - started;
  let report: SuiteReport | undefined;
  try {
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as SuiteReport;
  } catch {
    report = undefined;
  }
  return { ...r, report, wallMs, files: readdirSync(join(dir, 'scenarios')).length };
}

/** How one scenario of the batch ended, judged against what it had to show. */
export interface Judgement {
  planned: Planned;
  ok: boolean;
  /** `killed` / `survived` / `unclean` for a mutant; `passed` / `broken` for an original; `missing`: not in the report. */
  verdict: 'killed' | 'survived' | 'unclean' | 'passed' | 'broken' | 'missing';
  /** The scenario's status and its reason, and every expectation that is not as it should be. */
  detail: string;
}

const line = (e: ExpectationResult) => `${e.id} ${e.status}: ${e.message}`;

/**
 * A mutant is killed when its scenario ended `failed` with exactly the mutated expectation failed and every other
 * expectation passed; an original must pass.
 */
export function judge(report: SuiteReport | undefined, planned: Planned): Judgement {
  const attempt: ScenarioResult | undefined = report?.scenarios.find((s) => s.name === planned.name)?.attempts[0];
  if (!attempt) return { planned, ok: false, verdict: 'missing', detail: `not in the report (${report ? 'not run' : 'no report'})` };
  const head = `${attempt.status}${attempt.reason ? ` (${attempt.reason})` : ''}`;
  if (!planned.mutant) {
    const wrong = attempt.expectations.filter((e) => e.status !== 'passed');
    const ok = attempt.status === 'passed' && wrong.length === 0;
    return { planned, ok, verdict: ok ? 'passed' : 'broken', detail: ok ? 'passed' : [head, ...wrong.map(line)].join('\n      ') };
  }
  const target = attempt.expectations.find((e) => e.id === planned.mutant!.expectation);
  const others = attempt.expectations.filter((e) => e !== target && e.status !== 'passed');
  if (attempt.status === 'failed' && target?.status === 'failed' && others.length === 0) return { planned, ok: true, verdict: 'killed', detail: line(target) };
  const survived = target?.status === 'passed';
  return {
    planned,
    ok: false,
    verdict: survived ? 'survived' : 'unclean',
    detail: [head, target ? `mutated ${line(target)}` : `mutated ${planned.mutant.expectation}: no such expectation in the result`, ...others.map((e) => `other ${line(e)}`)].join('\n      '),
  };
}

/** `mutation score: mysql_failure 28/28` per seed, then the total, and every mutant not killed with its verdict. */
export function scoreTable(judgements: readonly Judgement[]): string {
  const rows: string[] = [];
  let killed = 0;
  let total = 0;
  for (const seed of SEEDS) {
    const ms = judgements.filter((j) => j.planned.seed === seed && j.planned.mutant);
    if (!judgements.some((j) => j.planned.seed === seed)) continue;
    const k = ms.filter((j) => j.ok).length;
    killed += k;
    total += ms.length;
    rows.push(`mutation score: ${seed.padEnd(24)} ${String(k).padStart(3)}/${ms.length}`);
  }
  rows.push(`mutation score: ${'total'.padEnd(24)} ${String(killed).padStart(3)}/${total} (${total ? ((100 * killed) / total).toFixed(1) : '0'}%)`);
  const originals = judgements.filter((j) => !j.planned.mutant);
  rows.push(`originals passed: ${originals.filter((j) => j.ok).length}/${originals.length}`);
  for (const j of judgements.filter((x) => !x.ok))
    rows.push(`  ${j.verdict.toUpperCase()} ${j.planned.name} on ${j.planned.system}${j.planned.mutant ? ` [${j.planned.mutant.description}]` : ''}\n      ${j.detail}`);
  return rows.join('\n');
}

/** A seeded PRNG (mulberry32): the same seed, the same shuffles. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with `random`. */
export function shuffle<T>(xs: readonly T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The live sample: per seed, the first mutant of each operator family (the operator's name up to its first
 * `-`, `+`, `.` or `>`: `final_state`, `count`, `value`, `should_fire`, ...). Every other mutant is judged by replay.
 */
export function liveSample(): (m: Mutant) => boolean {
  const seen = new Set<string>();
  return (m) => {
    const family = `${m.id.split('/')[0]}:${m.expectation.split('[')[0]}:${m.operator.split(/[-+.>:]/)[0]}`;
    if (seen.has(family)) return false;
    seen.add(family);
    return true;
  };
}
