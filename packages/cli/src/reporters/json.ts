import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, ReporterContext, SuiteReport } from './types';

/** Writes a {@link SuiteReport} to a file, or to stdout without one. */
export function writeOutput(ctx: ReporterContext, text: string): void {
  if (!ctx.outputFile) {
    ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  mkdirSync(dirname(ctx.outputFile), { recursive: true });
  writeFileSync(ctx.outputFile, text);
}

/** `json`: the full suite report with every attempt's result and timeline (schema: `tester schema --report`). */
export function jsonReporter(ctx: ReporterContext): Reporter {
  return {
    name: 'json',
    onRunEnd(report: SuiteReport) {
      writeOutput(ctx, `${JSON.stringify(report, null, 2)}\n`);
    },
  };
}
