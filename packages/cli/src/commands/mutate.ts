import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { TesterPlugin } from '@tester/core';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseScenario, replayScenario, type Scenario, type ScenarioResult } from '@tester/core/runner';
import type { CommonFlags } from '../config/settings';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { mutants } from '../mutation';
import { hintFor } from '../mutation/hints';
import type { SuiteReport } from '../reporters/types';
import { expandPaths } from '../run/prepare';
import { loadAll, loadSettings, runFiles } from './common';

/** The flags of `tester mutate`. */
export interface MutateFlags extends CommonFlags {
  /** Judge against this JSON report instead of running the scenarios live. */
  from?: string;
  /** Exit 1 when a scenario's mutation score (percent) is below this. */
  minScore?: string;
  /** Write the mutation report as JSON here. */
  json?: string;
  /** Write the mutation report as a self-contained HTML page here. */
  html?: string;
}

/** One mutant's outcome. */
export interface MutantOutcome {
  id: string;
  expectation: string;
  operator: string;
  description: string;
  /** `killed`: the healthy run contradicts it (the mutated expectation failed). */
  status: 'killed' | 'survived' | 'error';
  /** What the mutated expectation said about the recorded run. */
  verdict: string;
  message: string;
  hint?: string;
}

/** The mutation report: per scenario, its score and every mutant. */
export interface MutationReport {
  mutationReportVersion: 1;
  scenarios: {
    name: string;
    file: string;
    /** The recorded run's status: a score is only meaningful on a run that passed. */
    recorded: ScenarioResult['status'];
    killed: number;
    total: number;
    /** `killed / total` in percent (100 when there are no mutants). */
    score: number;
    perExpectation: Record<string, { killed: number; total: number }>;
    mutants: MutantOutcome[];
  }[];
}

const pct = (killed: number, total: number) => (total === 0 ? 100 : Math.round((killed / total) * 1000) / 10);

/** Runs the scenarios live once with a JSON reporter and returns the report (or the exit code that stopped it). */
async function recordLive(opts: MutateFlags, paths: string[], io: Io): Promise<SuiteReport | number> {
  const dir = mkdtempSync(join(tmpdir(), 'tester-mutate-'));
  const file = join(dir, 'report.json');
  try {
    const settings = await loadSettings({ ...opts, reporter: [...(opts.reporter ?? ['console']), `json=${file}`] }, io);
    const code = await runFiles(settings, paths, io);
    if (code === EXIT.cannotStart) return code;
    return JSON.parse(readFileSync(file, 'utf8')) as SuiteReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `tester mutate [paths…]`: how strong are these scenarios? Runs each once live (or reads `--from report.json`),
 * makes the mutants of every expectation (one key changed so that a healthy system must contradict it), judges
 * each by replay against the recorded run, and reports the mutation score per scenario and per expectation, with
 * the surviving mutants and a hint for each. `--min-score N` exits 1 below N percent.
 */
export async function mutateCommand(paths: string[], opts: MutateFlags, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  const minScore = opts.minScore === undefined ? undefined : Number(opts.minScore);
  if (minScore !== undefined && !(minScore >= 0 && minScore <= 100)) throw new CliError('USAGE', `--min-score: expected a percentage from 0 to 100, got ${JSON.stringify(opts.minScore)}`);
  const files = paths.length ? expandPaths(paths, io.cwd) : expandPaths([settings.scenariosDir], io.cwd);

  let report: SuiteReport;
  if (opts.from) {
    const from = resolve(io.cwd, opts.from);
    try {
      report = JSON.parse(readFileSync(from, 'utf8')) as SuiteReport;
    } catch (error) {
      throw new CliError('CONFIG_INVALID', `cannot read the report ${opts.from}: ${(error as Error).message}; give the file the json reporter wrote (-r json=report.json)`);
    }
    if (report?.reportVersion !== 1 || !Array.isArray(report.scenarios)) throw new CliError('CONFIG_INVALID', `${opts.from} is not a tester JSON report (reportVersion 1)`);
  } else {
    const recorded = await recordLive(opts, files, io);
    if (typeof recorded === 'number') return recorded;
    report = recorded;
  }

  const loaded = await loadAll(settings, files, io);
  if (!loaded) return EXIT.cannotStart;
  const { plugins } = loaded.runtime;
  const out: MutationReport = { mutationReportVersion: 1, scenarios: [] };
  for (const s of loaded.scenarios) {
    const attempt = report.scenarios.find((e) => e.name === s.scenario.name)?.attempts.at(-1);
    if (!attempt) {
      io.stderr.write(`tester mutate: ${s.file}: no recorded run of "${s.scenario.name}"${opts.from ? ` in ${opts.from}` : ''}; skipped\n`);
      continue;
    }
    const outcomes: MutantOutcome[] = [];
    for (const m of mutants(readFileSync(s.path, 'utf8'))) {
      const base = { id: m.id, expectation: m.expectation, operator: m.operator, description: m.description };
      const parsed = parseMutant(m.yaml, s.path, plugins, settings.variables, io.env);
      if (!parsed.ok) {
        outcomes.push({ ...base, status: 'error', verdict: 'invalid', message: parsed.message });
        continue;
      }
      let replayed: ScenarioResult;
      try {
        replayed = replayScenario(parsed.scenario, attempt, { plugins });
      } catch (error) {
        throw new CliError('CONFIG_INVALID', `cannot judge the mutants of ${s.file} by replay: ${(error as Error).message}`);
      }
      const e = replayed.expectations.find((x) => x.id === m.expectation);
      const verdict = e?.status ?? 'missing';
      const status: MutantOutcome['status'] = verdict === 'failed' ? 'killed' : verdict === 'passed' ? 'survived' : 'error';
      const outcome: MutantOutcome = { ...base, status, verdict, message: e?.message ?? 'the mutated expectation is missing from the result' };
      if (status !== 'killed') outcome.hint = hintFor(m.operator);
      outcomes.push(outcome);
    }
    const killed = outcomes.filter((o) => o.status === 'killed').length;
    const perExpectation: Record<string, { killed: number; total: number }> = {};
    for (const o of outcomes) {
      const p = (perExpectation[o.expectation] ??= { killed: 0, total: 0 });
      p.total++;
      if (o.status === 'killed') p.killed++;
    }
    out.scenarios.push({ name: s.scenario.name, file: s.file, recorded: attempt.status, killed, total: outcomes.length, score: pct(killed, outcomes.length), perExpectation, mutants: outcomes });
  }

  printTable(out, io);
  if (opts.json) writeReport(resolve(io.cwd, opts.json), `${JSON.stringify(out, null, 2)}\n`);
  if (opts.html) writeReport(resolve(io.cwd, opts.html), renderHtml(out));
  const unjudgeable = out.scenarios.filter((s) => s.recorded !== 'passed');
  for (const s of unjudgeable) io.stderr.write(`tester mutate: ${s.file}: the recorded run did not pass (${s.recorded}): its mutants say nothing about the scenario's strength\n`);
  const below = minScore === undefined ? [] : out.scenarios.filter((s) => s.score < minScore);
  if (below.length) io.stderr.write(`tester mutate: below --min-score ${minScore}: ${below.map((s) => `${s.name} ${s.score}%`).join(', ')}\n`);
  return unjudgeable.length || below.length ? EXIT.failed : EXIT.passed;
}

function parseMutant(yaml: string, path: string, plugins: readonly TesterPlugin[], variables: Record<string, string>, env: NodeJS.ProcessEnv): { ok: true; scenario: Scenario } | { ok: false; message: string } {
  const result = parseScenario(yaml, { plugins, variables, env, file: path });
  if (result.ok) return { ok: true, scenario: result.scenario };
  return { ok: false, message: result.problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
}

function writeReport(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `cannot write ${path}: ${(error as Error).message} (does ${dirname(path)} exist?)`);
  }
}

function printTable(report: MutationReport, io: Io): void {
  const w = (line: string) => io.stdout.write(`${line}\n`);
  w('');
  w('mutation score');
  for (const s of report.scenarios) {
    w(`  ${s.score === 100 ? '✓' : '✗'} ${s.name.padEnd(28)} ${`${s.killed}/${s.total}`.padStart(7)}  ${String(s.score).padStart(5)}%  (${s.file})`);
    for (const [id, p] of Object.entries(s.perExpectation)) if (p.killed < p.total) w(`      ${id.padEnd(16)} ${p.killed}/${p.total}`);
    for (const m of s.mutants.filter((x) => x.status !== 'killed')) {
      w(`      ${m.status === 'survived' ? 'survived' : 'error   '} ${m.description}`);
      w(`        ${m.verdict}: ${m.message}`);
      if (m.hint) w(`        hint: ${m.hint}`);
    }
  }
  const killed = report.scenarios.reduce((n, s) => n + s.killed, 0);
  const total = report.scenarios.reduce((n, s) => n + s.total, 0);
  w(`  total ${killed}/${total} (${pct(killed, total)}%)`);
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

function renderHtml(report: MutationReport): string {
  const sections = report.scenarios
    .map(
      (s) => `<section><h2>${esc(s.name)} <span class="${s.score === 100 ? 'ok' : 'bad'}">${s.killed}/${s.total} (${s.score}%)</span></h2><p>${esc(s.file)} — recorded run: ${esc(s.recorded)}</p>
<table><tr><th>expectation</th><th>mutant</th><th>status</th><th>what the run said</th></tr>
${s.mutants.map((m) => `<tr class="${m.status}"><td>${esc(m.expectation)}</td><td>${esc(m.description)}</td><td>${m.status}</td><td>${esc(`${m.verdict}: ${m.message}`)}${m.hint ? `<br><em>hint: ${esc(m.hint)}</em>` : ''}</td></tr>`).join('\n')}
</table></section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tester mutation report</title><style>
body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
.ok{color:#0a7a2f}.bad{color:#b00020}tr.survived td{background:#fff3cd}tr.error td{background:#f8d7da}
</style></head><body><h1>How strong are these scenarios?</h1><p>Each mutant changes one expectation so that a healthy system must contradict it; a surviving mutant is an expectation that cannot fail.</p>
${sections}</body></html>
`;
}
