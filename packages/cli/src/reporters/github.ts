import { appendFileSync } from 'node:fs';
import { decisiveAttempt, statusMessage, UNDECIDED_MEANING } from './format';
import type { Reporter, ReporterContext, SuiteReport } from './types';

/** Escapes a GitHub workflow command's data (`%`, CR, LF) and properties (also `:` and `,`). */
const escData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s: string) => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * `::error file=…,line=…,col=…,title=…::message` for every expectation that did not pass (on its YAML line);
 * `::warning` for a flaky scenario's, and for an `undecided` expectation (not blamed, not confirmed). A scenario
 * that did not pass with no expectation to blame (only undecided ones, or none) gets one annotation of its own.
 */
export function githubAnnotations(report: SuiteReport): string[] {
  const lines: string[] = [];
  for (const entry of report.scenarios) {
    const last = decisiveAttempt(entry);
    if (!last) continue;
    const level = entry.status === 'flaky' ? 'warning' : 'error';
    const failing = last.expectations.filter((e) => e.status !== 'passed');
    if (!failing.some((e) => e.status !== 'undecided') && entry.status !== 'passed') {
      lines.push(`::${level} file=${escProp(entry.file)},title=${escProp(entry.name)}::${escData(`${entry.status}: ${entry.reason ?? last.reason ?? ''}`)}`);
    }
    for (const e of failing) {
      const undecided = e.status === 'undecided';
      const props = `file=${escProp(entry.file)},line=${e.line},col=${e.column},title=${escProp(`${entry.name}: ${e.id}${undecided ? ' (undecided)' : ''}`)}`;
      lines.push(`::${undecided ? 'warning' : level} ${props}::${escData(`${statusMessage(e)}${entry.status === 'flaky' ? ` (flaky: ${entry.reason ?? ''})` : ''}`)}`);
    }
  }
  return lines;
}

/** The Markdown job summary: a table of scenarios and the expectations that did not pass. */
export function githubSummary(report: SuiteReport): string {
  const icon = { passed: '✅', failed: '❌', error: '⚠️', flaky: '🔁', 'not-run': '⏭️', undecided: '❔' } as const;
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const s = report.summary;
  const out = [
    `## tester: ${report.status === 'passed' ? '✅ passed' : `❌ ${report.status}`}`,
    '',
    `${s.passed} passed, ${s.failed} failed, ${s.error} error, ${s.flaky} flaky, ${s.notRun} not run (${(report.durationMs / 1000).toFixed(1)}s)`,
    '',
    '| | Scenario | File | Runs | Time |',
    '|---|---|---|---|---|',
    ...report.scenarios.map(
      (e) =>
        `| ${icon[e.status]} ${e.status} | ${cell(e.name)} | \`${cell(e.file)}\` | ${e.attempts.length} | ${(e.attempts.reduce((t, a) => t + a.durationMs, 0) / 1000).toFixed(1)}s |`,
    ),
  ];
  const failing = report.scenarios.flatMap((entry) =>
    (decisiveAttempt(entry)?.expectations ?? []).filter((x) => x.status !== 'passed').map((x) => ({ entry, x })),
  );
  if (failing.length) {
    out.push('', '### Expectations that did not pass', '');
    for (const { entry, x } of failing) out.push(`- ${icon[x.status] ?? ''} **${cell(entry.name)}** \`${entry.file}:${x.line}\` ${x.id}: ${cell(statusMessage(x))}`);
    if (failing.some(({ x }) => x.status === 'undecided')) out.push('', `${icon.undecided} undecided: ${UNDECIDED_MEANING}.`);
  }
  return `${out.join('\n')}\n`;
}

/** `github`: annotations on stdout and, when `$GITHUB_STEP_SUMMARY` is set (or a file given), the Markdown summary. */
export function githubReporter(ctx: ReporterContext): Reporter {
  return {
    name: 'github',
    onRunEnd(report) {
      for (const line of githubAnnotations(report)) ctx.stdout.write(`${line}\n`);
      const summaryFile = ctx.outputFile ?? ctx.env.GITHUB_STEP_SUMMARY;
      if (summaryFile) appendFileSync(summaryFile, githubSummary(report));
    },
  };
}
