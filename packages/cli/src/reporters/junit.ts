import { hostname } from 'node:os';
import type { ScenarioResult } from '@tester/core/runner';
import { failureText, lastChangesLines, problemsOf, seconds } from './format';
import { writeOutput } from './json';
import type { Reporter, ReporterContext, ScenarioEntry, SuiteReport } from './types';

/** Escapes text and attribute values; drops characters XML 1.0 cannot hold at all. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

const attrs = (a: Record<string, string | number | undefined>) =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

interface Case {
  name: string;
  time: number;
  kind?: 'failure' | 'error' | 'skipped';
  /** An undecided expectation: `<skipped message="undecided: …">` with `text` as content (not run: `message` is the content). */
  undecided?: boolean;
  message?: string;
  text?: string;
  out?: string;
}

/**
 * The test cases of one scenario: one per expectation of its last run, or one for the scenario itself. An
 * `undecided` expectation is `<skipped>`, never a `<failure>`: nothing contradicted it.
 */
function casesOf(entry: ScenarioEntry): Case[] {
  const last = entry.attempts.at(-1);
  if (!last) return [{ name: 'scenario', time: 0, kind: 'skipped', message: `not run: ${entry.reason ?? 'not run'}` }];
  const flaky = entry.status === 'flaky' ? `flaky: ${entry.reason ?? ''}` : undefined;
  const cases: Case[] = last.expectations.map((e) => {
    // Over --repeat, an expectation that failed in any run fails, naming how often.
    const runs = entry.attempts.map((a) => a.expectations.find((x) => x.id === e.id));
    const bad = runs.filter((x) => x && x.status !== 'passed');
    // A run that contradicted it (or could not judge it) outweighs one that ended undecided.
    const worst = bad.filter((x) => x?.status !== 'undecided').at(-1) ?? bad.at(-1) ?? e;
    const attempt = entry.attempts[runs.lastIndexOf(worst)] ?? last;
    const prefix = entry.attempts.length > 1 && bad.length ? `${bad.length} of ${entry.attempts.length} runs did not pass; ` : '';
    let decided: Partial<Case> = {};
    if (worst.status === 'undecided') {
      const changes = lastChangesLines(attempt);
      decided = {
        kind: 'skipped',
        undecided: true,
        message: `undecided: ${prefix}${worst.message.replace(/^undecided:\s*/, '')}`,
        text: [failureText(attempt, worst), ...(changes.length ? ['  last changes before the timeout:', ...changes.map((c) => `    ${c}`)] : [])].join('\n'),
      };
    } else if (worst.status !== 'passed') {
      decided = { kind: worst.status === 'failed' ? 'failure' : 'error', message: prefix + worst.message, text: failureText(attempt, worst) };
    }
    return {
      name: `${e.id}: ${e.description}`,
      time: ((e.decidedAt ?? 0) - (last.phases[0]?.startedAt ?? 0)) / 1000,
      ...decided,
      ...(flaky ? { out: flaky } : {}),
    } as Case;
  });
  const problems = problemsOf(last);
  if (last.status === 'error' || (problems.length && !cases.some((c) => c.kind === 'failure' || c.kind === 'error'))) {
    cases.unshift({
      name: 'scenario',
      time: last.durationMs / 1000,
      kind: last.status === 'error' ? 'error' : last.status === 'failed' ? 'failure' : undefined,
      message: last.reason ?? problems[0] ?? last.status,
      text: problems.join('\n'),
    });
  }
  return cases.map((c) => ({ ...c, time: Math.max(0, Number.isFinite(c.time) ? c.time : 0) }));
}

/** Renders the suite as JUnit XML (the common Jenkins/GitLab/GitHub dialect, see test/fixtures/junit.xsd). */
export function renderJunit(report: SuiteReport): string {
  const suites = report.scenarios.map((entry, id) => {
    const cases = casesOf(entry);
    const count = (k: Case['kind'], undecided?: boolean) => cases.filter((c) => c.kind === k && (!undecided || c.undecided)).length;
    const time = entry.attempts.reduce((t, a: ScenarioResult) => t + a.durationMs, 0);
    const props = [
      ['scenario', entry.name],
      ['status', entry.status],
      ['systems', entry.systems.join(',')],
      ['tags', entry.tags.join(',')],
      ['runs', String(entry.attempts.length)],
      ...(entry.status === 'flaky' ? [['flaky', 'true']] : []),
      ...(count('skipped', true) ? [['undecided', String(count('skipped', true))]] : []),
    ];
    const body = cases.map((c) => {
      const inner =
        (c.kind === 'skipped'
          ? c.undecided
            ? `<skipped${attrs({ message: c.message })}>${xmlEscape(c.text ?? '')}</skipped>`
            : `<skipped>${xmlEscape(c.message ?? '')}</skipped>`
          : '') +
        (c.kind === 'failure' || c.kind === 'error'
          ? `<${c.kind}${attrs({ message: c.message, type: c.kind === 'failure' ? 'ExpectationFailed' : 'TesterError' })}>${xmlEscape(c.text ?? '')}</${c.kind}>`
          : '') +
        (c.out ? `<system-out>${xmlEscape(c.out)}</system-out>` : '');
      const open = `    <testcase${attrs({ name: c.name, classname: entry.name, time: c.time.toFixed(3) })}`;
      return inner ? `${open}>${inner}</testcase>` : `${open}/>`;
    });
    return [
      `  <testsuite${attrs({
        name: entry.file,
        tests: cases.length,
        failures: count('failure'),
        errors: count('error'),
        skipped: count('skipped'),
        time: seconds(time),
        timestamp: (entry.attempts[0]?.startedAt ?? report.startedAt).replace(/\.\d+Z$/, ''),
        hostname: hostname(),
        id,
      })}>`,
      `    <properties>${props.map(([n, v]) => `<property${attrs({ name: n, value: v })}/>`).join('')}</properties>`,
      ...body,
      `  </testsuite>`,
    ].join('\n');
  });
  const sum = (k: 'failure' | 'error') =>
    report.scenarios.reduce((t, e) => t + casesOf(e).filter((c) => c.kind === k).length, 0);
  const tests = report.scenarios.reduce((t, e) => t + casesOf(e).length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'tester', tests, failures: sum('failure'), errors: sum('error'), time: seconds(report.durationMs) })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

/** `junit`: a testsuite per scenario file, a testcase per expectation, failures with their evidence. */
export function junitReporter(ctx: ReporterContext): Reporter {
  return { name: 'junit', onRunEnd: (report) => writeOutput(ctx, renderJunit(report)) };
}
