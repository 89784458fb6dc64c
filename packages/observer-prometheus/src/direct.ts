/**
 * The fast barrier: instead of waiting for Prometheus's next scrape after T, read the scrape targets' `/metrics`
 * pages directly (at a time after T) and prove that Prometheus's answers are then what they would be after that
 * scrape. The proof, per barrier (README "How the fast barrier stays exact"):
 *
 * 1. every query's metric names are known, and no query is a range query;
 * 2. every relevant target is one tester may read (loopback or `allowedHosts`), and its scrape config has no
 *    `metric_relabel_configs` (read from the server's config), so a page's series map to Prometheus's series by
 *    the scrape's own label rules (target labels, `honor_labels`);
 * 3. the pages, read after T, hold exactly the series Prometheus holds for those names and targets (no series
 *    appeared or left since its last scrape), each series mapped one to one;
 * 4. where a value differs, every query reading that metric is a plain selector: its answer is the series
 *    themselves, so the page's value is what the next scrape would give it.
 *
 * Anything else (a target that cannot be read, a series Prometheus computes itself such as `up` or a recording
 * rule's, a changed metric under `rate()`) is no proof, and the barrier waits for the scrape as before.
 */
import { promqlMetricNames, seriesKey } from '@tester/core/promql';
import type { PromHttp } from './http';
import { Unreachable } from './http';
import { instantQuery, type PromSample, type TargetInfo } from './prom-api';
import { parseExposition } from './scrape';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const STRINGS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;

/** The metric names `query` reads, or `undefined` when they cannot be known (a selector without a name). */
export function queriedNames(query: string): string[] | undefined {
  const bare = query.replace(STRINGS, '""');
  if (/__name__/.test(bare)) return undefined;
  // Every `{` must follow a metric name: `sum({job="x"})` reads every metric of a job.
  for (const m of bare.matchAll(/\{/g)) if (!/[a-zA-Z0-9_:]\s*$/.test(bare.slice(0, m.index))) return undefined;
  return promqlMetricNames(query);
}

/** `name` or `name{matchers}`: its answer is the matching series themselves, with their stored values. */
export function isPlainSelector(query: string): boolean {
  return /^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(?:\{(?:[^{}"'`]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)*\})?\s*$/.test(query);
}

/** What the label mapping of one scrape config depends on. */
export interface ScrapeRules {
  honorLabels: boolean;
  /** `metric_relabel_configs` is set: a page's series may be renamed, relabelled or dropped. */
  metricRelabel: boolean;
}

const unquote = (v: string): string => {
  const t = v.trim();
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t;
    }
  }
  return t;
};

/**
 * Per scrape config (`job_name`), its label rules, from the YAML of `GET /api/v1/status/config` as Prometheus
 * marshals it (`scrape_configs:` at the top level, each item `- job_name: x`, its keys indented by two). A job
 * whose item cannot be read this way is left out: no proof for its targets.
 */
export function scrapeRules(yaml: string): Map<string, ScrapeRules> {
  const rules = new Map<string, ScrapeRules>();
  const lines = yaml.split('\n');
  const start = lines.indexOf('scrape_configs:');
  if (start < 0) return rules;
  let job: string | undefined;
  let current: ScrapeRules = { honorLabels: false, metricRelabel: false };
  const flush = () => {
    // A job named twice is not one we can tell apart: no proof for either.
    if (job !== undefined) rules.set(job, rules.has(job) ? { honorLabels: true, metricRelabel: true } : current);
  };
  for (const line of lines.slice(start + 1)) {
    if (line === '' || line.startsWith('    ')) continue; // nested values
    const item = /^- ([a-z_]+):(?: (.*))?$/.exec(line);
    const key = item ?? /^ {2}([a-z_]+):(?: (.*))?$/.exec(line);
    if (!key) {
      if (/^\S/.test(line) && !line.startsWith('- ')) break; // the next top-level key
      continue;
    }
    if (item) {
      flush();
      job = undefined;
      current = { honorLabels: false, metricRelabel: false };
    }
    const [, name, value = ''] = key;
    if (name === 'job_name') job = unquote(value);
    else if (name === 'honor_labels') current.honorLabels = value.trim() === 'true';
    else if (name === 'metric_relabel_configs') current.metricRelabel = value.trim() !== '[]';
  }
  flush();
  return rules;
}

/**
 * The labels Prometheus stores for a series a target exposes with `page` labels: the target's labels are added
 * (with `honor_labels`, only where the page has none; without, they win and the page's value moves to
 * `exported_<name>`), and empty values are dropped. As Prometheus's `mutateSampleLabels`, without relabelling.
 */
export function storedLabels(page: Record<string, string>, target: Record<string, string>, honorLabels: boolean): Record<string, string> {
  const out: Record<string, string> = { ...page };
  const has = (k: string) => (out[k] ?? '') !== '';
  if (honorLabels) {
    for (const [k, v] of Object.entries(target)) if (!has(k)) out[k] = v;
  } else {
    const conflicts: [string, string][] = [];
    for (const [k, v] of Object.entries(target)) {
      if ((page[k] ?? '') !== '') conflicts.push([k, page[k]!]);
      out[k] = v;
    }
    // Shorter names first, as Prometheus does: `exported_` is prefixed until the name is free.
    for (const [k, v] of conflicts.sort(([a], [b]) => a.length - b.length)) {
      let name = k;
      do name = `exported_${name}`;
      while (has(name));
      out[name] = v;
    }
  }
  for (const [k, v] of Object.entries(out)) if (v === '') delete out[k];
  return out;
}

/** A page value that stands for a series' value after T. */
export interface DirectValue {
  value: number;
  /** The page it was read from. */
  url: string;
}

/** A proven direct read: the moment it covers and what to record from it. */
export interface DirectRead {
  ok: true;
  /** Clock time the reads started (after T): everything up to it is in the answers recorded with it. */
  atClock: number;
  /** The same moment, epoch ms. */
  atWall: number;
  /** Per series key (Prometheus's labels), its value on the pages, for every series of the queries' metrics. */
  values: Map<string, DirectValue>;
  /** The queries whose answers take their values from the pages (plain selectors of a changed metric). */
  substituted: Set<string>;
}

export type DirectOutcome = DirectRead | { ok: false; why: string };

export interface DirectInput {
  http: PromHttp;
  base: string;
  /** Every active target (a series is told apart by its target's labels). */
  all: TargetInfo[];
  /** The targets the barrier covers: each is read. */
  relevant: TargetInfo[];
  queries: { query: string; range: boolean }[];
  now: () => { clock: number; wall: number };
  signal: AbortSignal;
  /** The server's config YAML (`GET /api/v1/status/config`). */
  config: () => Promise<string>;
}

/** Reads every relevant target's page and proves (or not) that Prometheus's answers now cover the read's time. */
export async function readDirectly(input: DirectInput): Promise<DirectOutcome> {
  const { http, signal } = input;
  const no = (why: string): DirectOutcome => ({ ok: false, why });
  const ranged = input.queries.find((q) => q.range);
  if (ranged) return no(`${ranged.query} is a range query: its newest points need the scrape`);
  const namesOf = new Map<string, string[]>();
  for (const { query } of input.queries) {
    const names = queriedNames(query);
    if (!names) return no(`the metric names ${query} reads cannot be known`);
    namesOf.set(query, names);
  }
  const names = [...new Set([...namesOf.values()].flat())].filter((n) => NAME.test(n)).sort();
  if (names.length === 0) {
    const now = input.now(); // no query reads a metric: nothing to wait for
    return { ok: true, atClock: now.clock, atWall: now.wall, values: new Map(), substituted: new Set() };
  }
  for (const t of input.relevant) {
    if (!http.allows(t.scrapeUrl)) return no(`target ${http.redactor.text(t.scrapeUrl)} is not a loopback address (nor in allowedHosts)`);
  }
  let rules: Map<string, ScrapeRules>;
  try {
    rules = scrapeRules(await input.config());
  } catch (error) {
    if (signal.aborted) throw error;
    return no(`the server's scrape config cannot be read (${http.redactor.text((error as Error).message)})`);
  }
  const ruleOf = new Map<TargetInfo, ScrapeRules>();
  for (const t of input.relevant) {
    const r = t.scrapePool === undefined ? undefined : rules.get(t.scrapePool);
    if (!r) return no(`the scrape config of target ${http.redactor.text(t.scrapeUrl)} cannot be found in the server's config`);
    if (r.metricRelabel) return no(`job ${t.scrapePool} has metric_relabel_configs: its series cannot be matched to the page's`);
    ruleOf.set(t, r);
  }

  // The pages first, then Prometheus: whatever Prometheus holds by then is at least as new as a scrape before the read.
  const at = input.now();
  const wanted = new Set(names);
  const pages = new Map<string, DirectValue>();
  const pageKeysOf = new Map<TargetInfo, Set<string>>();
  try {
    await Promise.all(
      input.relevant.map(async (t) => {
        const response = await http.get(t.scrapeUrl, signal, 'text/plain;version=0.0.4', false);
        if (response.status !== 200) throw new Error(`GET ${t.scrapeUrl} -> ${response.status}`);
        const keys = new Set<string>();
        for (const s of parseExposition(response.text, at.wall)) {
          if (!wanted.has(s.labels.__name__ ?? '')) continue;
          const key = seriesKey(storedLabels(s.labels, t.labels, ruleOf.get(t)!.honorLabels));
          if (pages.has(key)) throw new Error(`GET ${t.scrapeUrl}: series ${key} twice`);
          pages.set(key, { value: s.value, url: t.scrapeUrl });
          keys.add(key);
        }
        pageKeysOf.set(t, keys);
      }),
    );
  } catch (error) {
    if (signal.aborted) throw error;
    const message = error instanceof Unreachable ? error.message : (error as Error).message;
    return no(`a target's /metrics cannot be read directly (${http.redactor.text(message)})`);
  }

  const stored = await instantQuery(http, input.base, `{__name__=~"${names.join('|')}"}`, signal);
  if (!stored.ok) return no(`the stored series could not be read (${stored.errorType}: ${http.redactor.text(stored.error)})`);
  const owners = (s: PromSample) => input.all.filter((t) => Object.entries(t.labels).every(([k, v]) => s.labels[k] === v));
  const read = new Set(input.relevant);
  const changed = new Set<string>();
  const seen = new Set<string>();
  for (const s of stored.samples) {
    const own = owners(s);
    const key = seriesKey(s.labels);
    if (own.length !== 1) return no(`series ${key} ${own.length ? 'matches the labels of several targets' : 'comes from no scrape target (a recording rule, or a series Prometheus makes itself such as up)'}`);
    if (!read.has(own[0]!)) continue; // a target the barrier does not cover (targets option), as before
    const page = pages.get(key);
    if (!page) return no(`series ${key} is not on ${own[0]!.scrapeUrl} (it left since the last scrape, or Prometheus makes it itself, as up)`);
    seen.add(key);
    if (!Object.is(page.value, s.value)) changed.add(s.labels.__name__ ?? '');
  }
  for (const keys of pageKeysOf.values()) {
    for (const key of keys) if (!seen.has(key)) return no(`series ${key} appeared since the last scrape`);
  }
  const substituted = new Set<string>();
  for (const [query, ns] of namesOf) {
    const moved = ns.filter((n) => changed.has(n));
    if (moved.length === 0) continue;
    if (!isPlainSelector(query)) return no(`${moved.join(', ')} changed since the last scrape, and ${query} is not a plain selector`);
    substituted.add(query);
  }
  return { ok: true, atClock: at.clock, atWall: at.wall, values: pages, substituted };
}
