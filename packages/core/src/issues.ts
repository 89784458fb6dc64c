/** Turns zod issues into problems a person can act on: the field, what was expected, what was found. */
import type { ZodType, core } from 'zod';
import { describeValue, quoteCapped } from './duration';
import { suggestion } from './suggest';
import { objectKeys, schemaAt } from './zod-walk';

/** A problem before it gets a position: its path and message, and whether it points at a key. */
export interface PathProblem {
  path: PropertyKey[];
  message: string;
  /** Point at the key of the last path segment rather than at its value. */
  atKey?: boolean;
  /** Columns to add to the node's position (a CEL error inside an expression). */
  columnOffset?: number;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
  bigint: 'a whole number',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** The value at `path` inside `data`, or `undefined` where the path leaves it. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}

function list(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

/**
 * Converts the issues of `schema.safeParse(data)` to problems. `base` is prepended to every path (the
 * position of `data` in the scenario).
 */
export function issuesToProblems(
  issues: readonly core.$ZodIssue[],
  schema: ZodType,
  data: unknown,
  base: readonly PropertyKey[] = [],
): PathProblem[] {
  return issues.flatMap((issue) => issueToProblems(issue, schema, data, base));
}

function issueToProblems(issue: core.$ZodIssue, schema: ZodType, data: unknown, base: readonly PropertyKey[]): PathProblem[] {
  const path = [...base, ...issue.path];
  const found = valueAt(data, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const accepted = objectKeys(schemaAt(schema, issue.path));
      return issue.keys.map((key) => ({
        path: [...path, key],
        atKey: true,
        message: `unknown key ${quoteCapped(key)}${suggestion(key, accepted)}${accepted.length ? ` (accepted keys: ${accepted.join(', ')})` : ''}`,
      }));
    }
    case 'invalid_type': {
      const expected = typeName(issue.expected);
      if (found === undefined) {
        const key = issue.path[issue.path.length - 1];
        return [{ path, message: `missing required key "${String(key)}": expected ${expected}` }];
      }
      return [{ path, message: `expected ${expected}, got ${describeValue(found)}` }];
    }
    case 'invalid_value': {
      const values = issue.values;
      if (found === undefined) {
        const key = issue.path[issue.path.length - 1];
        return [{ path, message: `missing required key "${String(key)}": expected ${values.length === 1 ? JSON.stringify(values[0]) : `one of ${list(values)}`}` }];
      }
      if (values.length === 1) return [{ path, message: `expected ${JSON.stringify(values[0])}, got ${describeValue(found)}` }];
      const hint = typeof found === 'string' ? suggestion(found, values.map(String)) : '';
      return [{ path, message: `expected one of ${list(values)}, got ${describeValue(found)}${hint}` }];
    }
    case 'invalid_union': {
      const branches = issue.errors;
      const allTypes = branches.every((b) => b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0);
      if (allTypes && branches.length > 0) {
        const expected = [...new Set(branches.map((b) => typeName((b[0] as core.$ZodIssueInvalidType).expected)))].join(' or ');
        if (found === undefined) return [{ path, message: `missing required key "${String(issue.path[issue.path.length - 1])}": expected ${expected}` }];
        return [{ path, message: `expected ${expected}, got ${describeValue(found)}` }];
      }
      // Report the branch that got furthest (fewest problems), as if it had been the only option.
      const best = [...branches].sort((a, b) => a.length - b.length)[0];
      if (best && best.length > 0) {
        return best.flatMap((inner) =>
          issueToProblems({ ...inner, path: [...issue.path, ...inner.path] } as core.$ZodIssue, schema, data, base),
        );
      }
      return [{ path, message: `${issue.message}, got ${describeValue(found)}` }];
    }
    case 'too_small': {
      const min = String(issue.minimum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') return [{ path, message: Number(min) <= 1 ? `expected a non-empty string` : `expected at least ${min} characters, got ${describeValue(found)}` }];
      if (issue.origin === 'array') return [{ path, message: `expected at least ${min} item(s), got ${Array.isArray(found) ? found.length : 0}` }];
      return [{ path, message: `expected a value ${inclusive ? '>=' : '>'} ${min}, got ${describeValue(found)}` }];
    }
    case 'too_big': {
      const max = String(issue.maximum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') return [{ path, message: `expected at most ${max} characters, got ${describeValue(found)}` }];
      if (issue.origin === 'array') return [{ path, message: `expected at most ${max} item(s), got ${Array.isArray(found) ? found.length : 0}` }];
      return [{ path, message: `expected a value ${inclusive ? '<=' : '<'} ${max}, got ${describeValue(found)}` }];
    }
    case 'invalid_format':
      return [{ path, message: `expected ${formatName(issue)}, got ${describeValue(found)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

function formatName(issue: core.$ZodIssueInvalidStringFormat): string {
  const extra = issue as { prefix?: string; suffix?: string; includes?: string; pattern?: string };
  switch (issue.format) {
    case 'starts_with':
      return `a string starting with ${JSON.stringify(extra.prefix)}`;
    case 'ends_with':
      return `a string ending with ${JSON.stringify(extra.suffix)}`;
    case 'includes':
      return `a string containing ${JSON.stringify(extra.includes)}`;
    case 'regex':
      return `a string matching ${extra.pattern ?? 'the pattern'}`;
    default:
      return `a valid ${issue.format}`;
  }
}
