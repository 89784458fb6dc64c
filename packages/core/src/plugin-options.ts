/**
 * A plugin's options, parsed once, with errors a person can act on. Core's loader and every plugin's options go
 * through the same formatter: the place of each problem as the config file spells it (`resources[0].kind`), what was
 * expected and what was found, "did you mean" for a misspelt key or value, and the schema author's own message where
 * the schema gives one (`expected an http(s) URL such as http://127.0.0.1:8080`).
 */
import { z, type ZodType, type core } from 'zod';
import { ErrorCodes, TesterError } from './errors';
import { INPUT_LIMITS } from './input-guard';
import { issuesToProblems, valueAt } from './issues';
import { formatPath } from './scenario-types';

/** One problem of a zod parse, ready to print. */
export interface IssueProblem {
  /** Where, as a path into the parsed value. */
  path: PropertyKey[];
  /** `path` as the config file spells it (`poll.fastInterval`, `resources[0].kind`); `''` for the value itself. */
  place: string;
  message: string;
  /** `place: message`; the message alone when it names its place itself, or when the place is the value itself. */
  text: string;
  /** The problem is the last path segment itself (an unknown key), not its value: point a position at the key. */
  atKey?: boolean;
}

/** Keys whose values are never echoed in a message: they may be secrets. */
const SECRET_KEY = /token|password|passwd|secret|credential|api_?key|^key$|sasl/i;

/** A copy of `value` in which secrets cannot be echoed: values under secret-like keys, and passwords in URLs. */
function masked(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(/(\/\/[^/@\s:]*:)[^/@\s]*@/g, '$1***@');
  if (!value || typeof value !== 'object' || depth > INPUT_LIMITS.maxDepth) return value;
  if (Array.isArray(value)) return value.map((v) => masked(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && typeof v === 'string' ? '***' : masked(v, depth + 1)]),
  );
}

/** Whether zod's message is the schema author's own (`z.url({ error: ... })`, `.regex(re, message)`), not zod's default. */
function isOwnMessage(issue: core.$ZodIssue, data: unknown): boolean {
  if (issue.code === 'custom') return true;
  const localeError = z.config().localeError;
  if (!localeError) return false;
  const fallback = localeError({ ...issue, input: valueAt(data, issue.path) } as never);
  const text = typeof fallback === 'string' ? fallback : fallback?.message;
  return text !== undefined && text !== issue.message;
}

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** Whether `message` starts by naming `place` itself (`api.resources[0].states: ...` for `resources[0].states`). */
function namesPlace(message: string, place: string): boolean {
  const head = /^([^\s:]+):/.exec(message)?.[1];
  return head !== undefined && place !== '' && (head === place || head.endsWith(`.${place}`));
}

/**
 * The problems of `schema.safeParse(data)`, one per line to print, with places, "did you mean" and the accepted keys
 * (core's scenario loader's rules), keeping the schema author's own messages. Values that may be secrets (under keys
 * such as `token` or `password`, or the password of a URL) are never echoed.
 */
export function describeIssues(issues: readonly core.$ZodIssue[], schema: ZodType, data: unknown): IssueProblem[] {
  const safe = masked(data);
  return issues.flatMap((issue) => {
    let problems: { path: PropertyKey[]; message: string; atKey?: boolean }[] = issuesToProblems([issue], schema, safe).map((p) => ({ path: p.path, message: p.message, ...(p.atKey ? { atKey: true } : {}) }));
    if (issue.code !== 'unrecognized_keys' && isOwnMessage(issue, data)) {
      // A union's own message ("expected a query, or { query, range }") says more than its branches' types, but less
      // than a problem found inside the branch that fits (an unknown key of the object form).
      if (issue.code !== 'invalid_union' || problems.every((p) => samePath(p.path, issue.path))) problems = [{ path: [...issue.path], message: issue.message }];
    }
    return problems.map(({ path, message, atKey }) => {
      const place = formatPath(path);
      const text = place === '' || namesPlace(message, place) ? message : `${place}: ${message}`;
      return { path, place, message, text, ...(atKey ? { atKey } : {}) };
    });
  });
}

/** Where a plugin's options came from, for {@link parsePluginOptions}'s messages. */
export interface PluginOptionsSource {
  /** The plugin's name, starting every line (`@tester/observer-api`). */
  plugin: string;
  /** The plugin's block of the config file (`api`), named in the fix. */
  block?: string;
}

/**
 * Parses a plugin's options with its schema: once, in the factory (`options: parsePluginOptions(schema, options,
 * { plugin, block })`), so every hook reads the result as `ctx.config`. Throws `CONFIG_INVALID` with one line per
 * problem (`@tester/observer-api config poll.fastInterval: expected a duration ...`; see {@link describeIssues}) and
 * what to fix; at most {@link INPUT_LIMITS}`.maxProblems` lines, the rest counted.
 */
export function parsePluginOptions<S extends ZodType>(schema: S, options: unknown, source: PluginOptionsSource): z.output<S> {
  const data = options ?? {};
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues, schema, data);
  const lines = problems.slice(0, INPUT_LIMITS.maxProblems).map((p) => `${source.plugin} config${p.place === '' ? ':' : ''} ${p.text}`);
  if (problems.length > INPUT_LIMITS.maxProblems) lines.push(`${source.plugin} config: ${problems.length - INPUT_LIMITS.maxProblems} more problem(s) not listed`);
  const block = source.block ? `the ${source.block} block` : 'its block';
  throw new TesterError(ErrorCodes.CONFIG_INVALID, `${lines.join('\n')}\nFix the plugin options or ${block} of the config file.`, {
    context: { plugin: source.plugin, issues: problems.length },
  });
}
