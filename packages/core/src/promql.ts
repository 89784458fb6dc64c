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
