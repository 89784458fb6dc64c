import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from '../errors';
import { parseReporterSpec } from '../reporters/multiplexer';

/** Why a report could not be written to `file`, or `undefined` when it can (as far as can be known before). */
export function reportPathProblem(file: string): string | undefined {
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) return 'is a folder: give a file name';
    if (!stats.isFile()) return 'exists and is not a regular file';
    accessSync(file, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM') return 'is not writable';
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return (error as Error).message;
  }
  // The file does not exist: its nearest existing ancestor must be a writable folder, or the reporter's recursive
  // mkdir fails at the end of the run (or, for some paths, never returns).
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      const stats = statSync(dir);
      if (!stats.isDirectory()) return `cannot be created: ${dir} is not a folder`;
      accessSync(dir, constants.W_OK);
      return undefined;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EACCES' || code === 'EPERM') return `cannot be created: the folder ${dir} is not writable`;
      if (code === 'ENOTDIR') continue; // an ancestor further up is a file: the loop reaches it
      if (code !== 'ENOENT') return `cannot be created: ${(error as Error).message}`;
    }
    if (dirname(dir) === dir) return `cannot be created: no folder of it exists`;
  }
}

/**
 * Checks, before anything runs, that every reporter exists (a built-in, or a reporter module that resolves) and
 * that every report file named (`json=reports/run.json`, and the html reporter's default `tester-report.html`) can
 * be written; throws a `USAGE` {@link CliError} naming the reporter and the reason otherwise, so a run does not
 * inject faults only to fail at its end. A file that becomes unwritable during the run still fails its reporter:
 * the run then exits 1 (`ReporterMux.exitCode`).
 */
export function checkReportPaths(specs: readonly string[], cwd: string, rootDir: string = cwd): void {
  for (const spec of specs) {
    const { name, outputFile } = parseReporterSpec(spec, cwd, rootDir);
    const file = outputFile ?? (name === 'html' ? resolve(process.cwd(), 'tester-report.html') : undefined);
    if (!file) continue;
    const problem = reportPathProblem(file);
    if (problem) throw new CliError('USAGE', `--reporter ${spec}: the report file ${file} ${problem}. Choose another path.`);
  }
}
