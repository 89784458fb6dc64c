/** Structured, leveled logging. Every message goes through the run's secret redaction. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose messages carry `fields` too (`{ plugin, hook }`). */
  child(fields: Record<string, unknown>): Logger;
}
