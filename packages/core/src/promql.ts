/**
 * The metric names a PromQL query reads, for "did you mean": a lexical pass, not a parser. Strings, label
 * matchers, ranges and grouping lists are dropped; what remains that is not a function call, a keyword or part
 * of a number is a metric name. The Prometheus observer (its "did you mean") and the
 * metrics assertions (what a query reads) both use it: the `promql` interest's shared vocabulary.
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'start', 'end']);

export function promqlMetricNames(query: string): string[] {
  const q = query
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const m of q.matchAll(/(?<![a-zA-Z0-9_:.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\s*\(/.test(q.slice((m.index ?? 0) + name.length))) continue; // a function call
    names.add(name);
  }
  return [...names];
}

/**
 * The canonical PromQL selector of a metric and labels: `name{a="1",b="2"}` (keys sorted, values escaped as PromQL
 * strings). It is the join key between an assertion that declares a `promql` interest and the observer that runs it:
 * the observer records its samples under the query string it was given, and the assertion matches on the same string.
 */
export function promqlSelector(name: string, labels: Record<string, string> | undefined = {}): string {
  const entries = sortedEntries(labels);
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return entries.length ? `${name}{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}` : name;
}

/**
 * One series' identity: its labels with keys sorted, as one string. The key the Prometheus observer records a series
 * under and the key the metrics assertions track it by: two series are the same exactly when their keys are equal.
 */
export function seriesKey(labels: Record<string, string> | undefined): string {
  return JSON.stringify(sortedEntries(labels));
}

/**
 * Label pairs by key in code-unit order: the same on every machine (`localeCompare` follows the locale, and its first
 * call loads ICU's collator, ~9 ms of a run's start).
 */
function sortedEntries(labels: Record<string, string> | undefined): [string, string][] {
  return Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Labels as messages show them: `{a="1",b="2"}` in their own order, or the empty string when there are none. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
}
