/**
 * Secret redaction inside this package. The runtime redacts logs and reports through
 * `ctx.registerSecret`; this covers the strings this package builds itself (observation excerpts, error
 * messages) so a secret never leaves it, even when a server echoes a request header back.
 */
export class Secrets {
  private readonly values = new Set<string>();

  /** Adds a secret; values shorter than 4 characters are ignored (redacting them would mangle text). */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.values.add(value);
  }

  /** Every registered value, for handing to `ctx.registerSecret`. */
  list(): string[] {
    return [...this.values];
  }

  /** `text` with every secret replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const value of this.values) out = out.split(value).join('***');
    return out;
  }

  /** `value` with every string inside it redacted (for observation data read from a response). */
  redactValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v)])) as T;
    }
    return value;
  }
}
