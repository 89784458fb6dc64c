/** The real `tester` bin, run as a child process on a project folder, from the install e2e-install.ts made. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { install } from './e2e-install';

/** A project folder inside the install, so `@tester/*` resolve by package name as in a user's project. */
export const project = install.project;

/** Runs `tester <args>` in `cwd` to its end. */
export const runCli = install.runCli;

/** One expectation of a JSON report. */
export interface ReportExpectation {
  id: string;
  status: string;
  message: string;
  evidence: { seq: number; kind: string; subject?: string; data: unknown }[];
}

/** The JSON report's scenarios, by name: the last attempt's status and expectations. */
export function readReport(dir: string, file: string): Map<string, { status: string; reason?: string; expectations: ReportExpectation[] }> {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    scenarios: { name: string; attempts: { status: string; reason?: string; expectations: ReportExpectation[] }[] }[];
  };
  return new Map(report.scenarios.map((s) => [s.name, s.attempts.at(-1)!]));
}
