import { CliError } from '../errors';
import { summarize, type SuiteReport } from './types';

/**
 * Joins shard reports into one: scenarios sorted by file (as sharding sorts them), summary recomputed, the
 * earliest start and the longest shard's span. A scenario present in two reports is an error (overlapping shards).
 */
export function mergeReports(reports: readonly SuiteReport[], names: readonly string[] = []): SuiteReport {
  if (reports.length === 0) throw new CliError('USAGE', 'merge-reports: give at least one json report.');
  reports.forEach((r, i) => {
    if (r?.reportVersion !== 1 || !Array.isArray(r.scenarios)) {
      throw new CliError('REPORT_INVALID', `${names[i] ?? `report ${i + 1}`}: not a tester json report (reportVersion 1).`);
    }
  });
  const seen = new Map<string, number>();
  const scenarios = reports.flatMap((r, i) =>
    r.scenarios.map((s) => {
      if (seen.has(s.file)) {
        throw new CliError('REPORT_INVALID', `${s.file} is in both ${names[seen.get(s.file) as number] ?? 'one report'} and ${names[i] ?? 'another'}: were the shards overlapping?`);
      }
      seen.set(s.file, i);
      return s;
    }),
  );
  scenarios.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const starts = reports.map((r) => Date.parse(r.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...reports.map((r, i) => (starts[i] as number) + r.durationMs));
  const summary = summarize(scenarios);
  const first = reports[0] as SuiteReport;
  return {
    reportVersion: 1,
    tool: first.tool,
    runId: reports.map((r) => r.runId).join('+'),
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    status: reports.some((r) => r.status === 'interrupted') ? 'interrupted' : summary.total === summary.passed ? 'passed' : 'failed',
    mergedFrom: reports.map((r) => ({ runId: r.runId, ...(r.shard ? { shard: r.shard } : {}) })),
    summary,
    scenarios,
  };
}
