/** A JSON report, as far as the replay check reads it. */
export interface ReportLike {
  scenarios: { name: string; attempts: { status: string; reason?: string; replay?: unknown; expectations: { id: string; status: string; message: string; evidence: { seq: number }[] }[] }[] }[];
}
export declare function verdictsOf(report: ReportLike): unknown[];
export declare function expectReportReplays<R extends ReportLike = ReportLike>(
  dir: string,
  reportFile: string,
  runCli: (args: string[], cwd: string) => Promise<{ code: number | null; output?: string; stdout?: string; stderr?: string }>,
): Promise<R>;
/** A core `ScenarioResult`, as far as the replay check reads it. */
export interface ResultLike {
  scenario: { name: string };
  status: string;
  reason?: string;
  replay?: unknown;
  expectations: { id: string; status: string; message: string; evidence: { seq: number }[] }[];
}
export declare function expectResultReplays<R extends ResultLike>(live: R, replay: (recorded: R) => R): void;
