/** The options of `processPlugin(options)` (and of its block of a config file). */
import { durationSchema, z } from '@tester/core';
import { ProcessFaultError } from './errors';

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

/** Parses options, one line per problem. Throws `CONFIG_INVALID`. */
export function parseProcessOptions(options: unknown): ProcessConfig {
  const result = processOptionsSchema.safeParse(options ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `@tester/fault-process config ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ProcessFaultError('CONFIG_INVALID', `${lines.join('\n')}\nFix the plugin options or its block of the config file.`);
  }
  return result.data;
}

/** `true` for 127.0.0.0/8, `localhost` and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
