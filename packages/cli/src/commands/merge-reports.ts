import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, messageOf } from '../errors';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { ReporterMux } from '../reporters/multiplexer';
import { mergeReports } from '../reporters/merge';
import { checkReportPaths } from '../run/report-paths';
import type { SuiteReport } from '../reporters/types';

/** `tester merge-reports a.json b.json --reporter html=report.html`: joins shard reports and renders them. */
export async function mergeReportsCommand(files: string[], opts: { reporter?: string[] }, io: Io): Promise<number> {
  checkReportPaths(opts.reporter?.length ? opts.reporter : ['console'], io.cwd);
  const reports = files.map((f) => {
    const path = resolve(io.cwd, f);
    try {
      // A FIFO or a device would block or never end: only regular files are read.
      if (!statSync(path).isFile()) throw new Error('not a regular file');
      return JSON.parse(readFileSync(path, 'utf8')) as SuiteReport;
    } catch (error) {
      throw new CliError('REPORT_INVALID', `${path}: not a readable json report (${messageOf(error)}). Write it with --reporter json=FILE.`);
    }
  });
  const merged = mergeReports(reports, files);
  const mux = await ReporterMux.create(opts.reporter?.length ? opts.reporter : ['console'], { rootDir: io.cwd, stdout: io.stdout, env: io.env }, io.cwd, io.stderr);
  await mux.onRunEnd(merged);
  return mux.exitCode(merged.status === 'passed' ? EXIT.passed : EXIT.failed);
}
