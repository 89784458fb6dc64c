/** Secret redaction: every registered secret becomes `***` in logs, errors, observations and results. */

/** Replaces registered secrets in strings and in (copies of) JSON-like values. */
export class Redactor {
  private secrets: string[] = [];

  /** Registers a secret. Values shorter than 4 characters are ignored: redacting them would mangle text. */
  add(value: string | undefined): void {
    if (!value || value.length < 4 || this.secrets.includes(value)) return;
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...this.secrets, value].sort((a, b) => b.length - a.length);
  }

  /** Every registered secret, longest first: for handing on (`ctx.registerSecret`). */
  list(): string[] {
    return [...this.secrets];
  }

  /** `true` when at least one secret is registered. */
  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** `text` with every secret replaced by `***`. */
  text(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }

  /** A deep copy of `value` with secrets replaced in every string (keys included). Errors become plain objects. */
  value<T>(value: T): T {
    if (!this.active) return value;
    return this.walk(value, new WeakMap()) as T;
  }

  private walk(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.text(value);
    if (!value || typeof value !== 'object') return value;
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.walk(item, seen));
      return out;
    }
    if (value instanceof Error) return { name: value.name, message: this.text(value.message) };
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.walk(item, seen);
    return out;
  }
}

/**
 * A short excerpt of `text` for messages and observation references: secrets replaced first (when a `redactor` is
 * given), then cut to `max` characters with `…`.
 */
export function excerpt(text: string, max: number, redactor?: Redactor): string {
  const shown = redactor ? redactor.text(text) : text;
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
