/** The real `tester` bin, run as a child process on a project folder, from the snapshot e2e-install.ts made. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { E2E_INSTALL, E2E_STALE } from './e2e-install';

/** The bin as npm would link it (the CLI's package.json `bin`). */
const bin = (): string => {
  if (E2E_STALE) throw new Error(E2E_STALE);
  const cli = join(E2E_INSTALL, 'node_modules', '@tester', 'cli');
  const field = (JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  return join(cli, typeof field === 'string' ? field : field.tester!);
};

/** A project folder inside the snapshot, so `@tester/*` resolve by package name as in a user's project. */
export function project(files: Record<string, string>): string {
  const root = join(E2E_INSTALL, 'projects');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'p-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface CliResult {
  code: number | null;
  output: string;
}

/** Runs `tester <args>` in `cwd` to its end. */
export function runCli(args: string[], cwd: string): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_STEP_SUMMARY;
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [bin(), ...args], { cwd, env });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

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
