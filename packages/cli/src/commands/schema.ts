import { z } from '@tester/core';
import { scenarioJsonSchema } from '@tester/core/runner';
import { configSchema } from '../config/schema';
import type { CommonFlags } from '../config/settings';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { REPORT_JSON_SCHEMA } from '../reporters/report-schema';
import { loadRuntime } from '../run/prepare';
import { loadSettings } from './common';

/** `tester schema`: the scenario JSON Schema (with the configured plugins), the report's or the config's. */
export async function schemaCommand(opts: CommonFlags & { report?: boolean; configFile?: boolean }, io: Io): Promise<number> {
  let schema: object;
  if (opts.report) {
    schema = REPORT_JSON_SCHEMA;
  } else if (opts.configFile) {
    schema = z.toJSONSchema(configSchema(), { unrepresentable: 'any' });
  } else {
    const runtime = await loadRuntime(await loadSettings(opts, io));
    schema = scenarioJsonSchema(runtime.plugins);
  }
  io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return EXIT.passed;
}
