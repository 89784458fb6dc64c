/** The options of `processPlugin(options)` (and of its block of a config file). */
import { durationSchema, parsePluginOptions, z } from '@tester/core';

/** The parsed options (what `ctx.config` holds). */
export const processOptionsSchema = z.strictObject({
  /** How long a process may take to stop after SIGSTOP, and to run again after SIGCONT. @default '5s' */
  signalTimeout: durationSchema.prefault('5s'),
  /** How long a process may take to exit after SIGTERM or SIGKILL before the action fails. @default '10s' */
  exitTimeout: durationSchema.prefault('10s'),
  /** Default bound of a restart's readiness check (`restart.ready_timeout`). @default '30s' */
  readyTimeout: durationSchema.prefault('30s'),
  /** Interval between checks of /proc and of readiness. @default '50ms' */
  pollInterval: durationSchema.prefault('50ms'),
});

/** What `processPlugin(options)` accepts (every field optional). */
export type ProcessOptions = z.input<typeof processOptionsSchema>;
/** The parsed options. */
export type ProcessConfig = z.output<typeof processOptionsSchema>;

/** Parses options, one line per problem (core's {@link parsePluginOptions}). Throws `CONFIG_INVALID`. */
export function parseProcessOptions(options: unknown): ProcessConfig {
  return parsePluginOptions(processOptionsSchema, options, { plugin: '@tester/fault-process' });
}
