/** Compiles an events item's filters (`type`, `system`, `where`) into one predicate over event data. */
import { compileCel, type EventData } from '@tester/core';
import type { EventsItem } from './schema';

/** Reads `payload.to` from an event. */
export function field(event: unknown, path: string): unknown {
  let value: unknown = event;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const sameScalar = (a: unknown, b: unknown) => a === b || (a !== null && b !== null && typeof a !== 'object' && typeof b !== 'object' && String(a) === String(b));

export interface EventFilter {
  (event: EventData): boolean;
  /** `CONNECTION_LOST on mysql where payload.error ~ /ECONN/`, for messages. */
  readonly label: string;
  /** Why the last CEL evaluation failed, if one did: such events count as not matching, and messages say so. */
  readonly celProblem: () => string | undefined;
}

export function eventFilter(item: EventsItem, withType = true): EventFilter {
  const tests: ((e: EventData) => boolean)[] = [];
  const label: string[] = [];
  let celProblem: string | undefined;
  if (withType && item.type) {
    tests.push((e) => e.type === item.type);
    label.push(item.type);
  } else label.push('events');
  if (item.system) {
    tests.push((e) => e.system === item.system);
    label.push(`on ${item.system}`);
  }
  const where = item.where;
  if (typeof where === 'string') {
    const program = compileCel(where);
    tests.push((e) => {
      try {
        // `type` is a CEL built-in, so the event's type is read as `event.type`; the rest have shortcuts.
        return program({ event: e, id: e.id, system: e.system, payload: e.payload ?? {}, correlationId: e.correlationId }) === true;
      } catch (error) {
        // A field missing on some events (`payload.to` on a CHAOS_STARTED) simply does not match.
        const message = (error as Error).message;
        if (!/No such key/i.test(message)) celProblem = message;
        return false;
      }
    });
    label.push(`where ${where}`);
  } else if (where) {
    const parts: string[] = [];
    for (const [path, m] of Object.entries(where)) {
      if (m !== null && typeof m === 'object' && 'regex' in m) {
        const re = new RegExp(m.regex);
        tests.push((e) => {
          const v = field(e, path);
          return v !== undefined && v !== null && re.test(typeof v === 'string' ? v : JSON.stringify(v));
        });
        parts.push(`${path} ~ /${m.regex}/`);
      } else if (m !== null && typeof m === 'object' && 'equals' in m) {
        const want = JSON.stringify(m.equals);
        tests.push((e) => JSON.stringify(field(e, path)) === want);
        parts.push(`${path} == ${want}`);
      } else {
        tests.push((e) => sameScalar(field(e, path), m));
        parts.push(`${path} == ${JSON.stringify(m)}`);
      }
    }
    label.push(`where ${parts.join(', ')}`);
  }
  const filter = (e: EventData) => tests.every((t) => t(e));
  return Object.assign(filter, { label: label.join(' '), celProblem: () => celProblem });
}
