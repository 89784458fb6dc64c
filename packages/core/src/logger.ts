/**
 * Structured, leveled logging: the {@link Logger} every hook gets, the silent default, and the redacting wrapper
 * every plugin's logger goes through.
 */
import type { Redactor } from './redact';

/** Structured, leveled logging. Every message a plugin logs goes through the run's secret redaction. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose messages carry `fields` too (`{ plugin, hook }`). */
  child(fields: Record<string, unknown>): Logger;
}

/** A logger that drops everything (the default of {@link runScenario}). */
export function silentLogger(): Logger {
  const logger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
  return logger;
}

/** Wraps `inner` so that messages and fields go through `redactor` and carry `fields`. */
export function redactingLogger(inner: Logger, redactor: Redactor, fields: Record<string, unknown> = {}): Logger {
  const scoped = Object.keys(fields).length ? inner.child(fields) : inner;
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown>): void => {
      try {
        scoped[level](redactor.text(message), extra === undefined ? undefined : redactor.value(extra));
      } catch {
        // A failing log sink must never fail a run.
      }
    };
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    child: (more) => redactingLogger(scoped, redactor, more),
  };
}
