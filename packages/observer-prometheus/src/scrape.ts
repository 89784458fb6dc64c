/**
 * The Prometheus text exposition format (0.0.4), read line by line into one sample per series, the way Prometheus
 * stores a scrape: a histogram's `_bucket{le}`, `_sum` and `_count` lines and a summary's `{quantile}` lines are
 * series of their own, each with its own labels. Every sample's labels include `__name__`, as PromQL results do,
 * so one matcher works for both sources.
 *
 * Read here rather than with parse-prometheus-text-format, which merges every series of a labelled histogram or
 * summary into one (its `system` label lost): a direct read must see the same series as Prometheus.
 */
import type { PromSample } from './prom-api';

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const SPACE = /[ \t]*/y;

const num = (v: string): number => {
  if (/^\+?Inf$/i.test(v)) return Infinity;
  if (/^-Inf$/i.test(v)) return -Infinity;
  if (/^NaN$/i.test(v)) return NaN;
  const n = Number(v);
  if (v === '' || Number.isNaN(n)) throw new Error(`"${v}" is not a number`);
  return n;
};

/** One sample line: `name{a="1",b="2"} value [timestamp]`. Throws with what is wrong. */
function sampleLine(line: string): { labels: Record<string, string>; value: number; timestamp?: number } {
  let at = 0;
  const take = (re: RegExp): string | undefined => {
    re.lastIndex = at;
    const m = re.exec(line);
    if (!m) return undefined;
    at = re.lastIndex;
    return m[0];
  };
  const skip = () => take(SPACE);
  const name = take(NAME);
  if (!name) throw new Error('expected a metric name');
  const labels: Record<string, string> = { __name__: name };
  skip();
  if (line[at] === '{') {
    at++;
    for (;;) {
      skip();
      if (line[at] === '}') break;
      const key = take(LABEL);
      if (!key) throw new Error(`expected a label name at column ${at + 1}`);
      skip();
      if (line[at] !== '=') throw new Error(`expected = after ${key}`);
      at++;
      skip();
      if (line[at] !== '"') throw new Error(`expected a quoted value for ${key}`);
      at++;
      let value = '';
      for (;;) {
        const c = line[at++];
        if (c === undefined) throw new Error(`unterminated value of ${key}`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[at++];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
        } else value += c;
      }
      if (key in labels) throw new Error(`label ${key} twice`);
      labels[key] = value;
      skip();
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new Error(`expected , or } after the value of ${key}`);
    }
    at++;
  }
  const rest = line.slice(at).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new Error('expected a value and an optional timestamp after the labels');
  const value = num(rest[0]!);
  if (rest[1] === undefined) return { labels, value };
  if (!/^-?\d+$/.test(rest[1])) throw new Error(`"${rest[1]}" is not a timestamp in ms`);
  return { labels, value, timestamp: Number(rest[1]) };
}

/** Parses exposition text; `scrapedAt` (epoch ms) is the timestamp of samples that carry none. Throws, naming the line. */
export function parseExposition(text: string, scrapedAt: number): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const s = sampleLine(line);
      samples.push({ labels: s.labels, value: s.value, timestamp: s.timestamp ?? scrapedAt });
    } catch (error) {
      throw new Error(`line ${i + 1}: ${(error as Error).message}`);
    }
  }
  return samples;
}
