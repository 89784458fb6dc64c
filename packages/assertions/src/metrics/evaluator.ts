/**
 * The `metrics` evaluator: the series an item matches, aggregated, compared at the window's end, over a span, as an
 * increase/rate, or checked for an absence or a stall. It reports what the answers show; core applies blindness.
 */
import { didYouMean, ObservationKinds, type EvaluationContext, type Evaluator, type MetricEmptyData, type MetricSampleData, type Observation } from '@tester/core';
import { formatMs } from '../common/duration';
import { describeAll } from '../common/evidence';
import { at, errored, failed, makeEvaluator, passed, pending, type CheckOutcome } from '../common/outcome';
import { compare, fmt, type Comparator } from './comparator';
import { promqlMetricNames } from '@tester/core/promql';
import { metricQuery } from './query';
import type { MetricsItem } from './schema';
import { aggregateOf, judge, labelsText, perSeries, SeriesTrack, type Answer, type Baseline, type Judged, type Series } from './series';
import { spanBounds, stretches, type Span, type Stretch } from './spans';

type Mode = 'end' | 'during' | 'hold' | 'increase' | 'rate' | 'absent' | 'stalled';
const seqsOf = (xs: readonly Observation[]) => [...new Set(xs.map((o) => o.seq))].sort((a, b) => a - b);
const absences = (a: Answer) => a.obs.filter((o) => o.kind !== ObservationKinds.metricSample);

export function createMetricsEvaluator(item: MetricsItem): Evaluator {
  const query = metricQuery(item);
  const track = new SeriesTrack();
  /** When the query was first answered at all, before the labels filter (a counter first seen after it started at 0). */
  let firstLookAt = Number.POSITIVE_INFINITY;
  const agg = item.aggregate ?? 'sum';
  const c = item.value as Comparator;
  const label =
    item.quantile !== undefined ? `p${+(item.quantile * 100).toFixed(2)} of ${item.name}${labelsText(item.labels ?? {})}`
    : item.query !== undefined && item.labels ? `${query} matching ${labelsText(item.labels)}`
    : query;
  const subject = agg === 'sum' ? label : agg === 'each' ? `every series of ${label}` : agg === 'any' ? `some series of ${label}` : `${agg} of ${label}`;
  const mode: Mode =
    item.absent ? 'absent'
    : item.stalled !== undefined ? 'stalled'
    : item.during ? 'during'
    : item.hold !== undefined ? 'hold'
    : item.increase ? 'increase'
    : item.rate ? 'rate'
    : 'end';
  const spanOf = (item.absent ?? (item.stalled !== undefined ? (item.during ?? 'window') : undefined) ?? item.during ?? item.increase ?? item.rate) as Span | undefined;
  const description =
    mode === 'end' ? `${subject} ${c.text} at the window's end`
    : mode === 'hold' ? `${subject} ${c.text} for ${formatMs(item.hold as number)} after the fault ended`
    : mode === 'during' ? `${subject} ${c.text} during the ${spanOf}`
    : mode === 'absent' ? `${label} answers no series at some moment of the ${spanOf}`
    : mode === 'stalled' ? `${subject} does not change for ${formatMs(item.stalled as number)} during the ${spanOf}`
    : `${agg === 'sum' ? '' : `${agg} of `}${mode}(${label}) over the ${spanOf} ${c.text}`;

  const sameQuery = (q: unknown) => q === query || (item.name !== undefined && item.quantile === undefined && q === item.name);
  const labelsMatch = (labels: Record<string, string> | undefined) =>
    !item.labels || item.quantile !== undefined || Object.entries(item.labels).every(([k, v]) => labels?.[k] === v);

  /** A series as messages show it: the labels that tell it apart from the other series the item matched. */
  function show(s: Series): string {
    const all = [...track.known.values()];
    const differ = (k: string) => all.some((l) => l[k] !== s.labels[k]);
    const own = (k: string) => k !== '__name__' && item.labels?.[k] !== s.labels[k];
    const pick = (keep: (k: string) => boolean) => labelsText(Object.fromEntries(Object.entries(s.labels).filter(([k]) => keep(k))));
    return pick(differ) || pick(own) || '{}';
  }
  const list = (xs: readonly Series[]) => (xs.length === 1 && track.known.size <= 1 ? fmt((xs[0] as Series).value) : xs.map((s) => `${show(s)} ${fmt(s.value)}`).join(', '));
  /** `at +1.5s` into the window, or `2s before the window`. */
  const when = (ctx: EvaluationContext, t: number) => (t < (ctx.window.opensAt ?? t) ? `${formatMs((ctx.window.opensAt as number) - t)} before the window` : `at ${at(ctx, t)}`);

  /** "was 3 (sum of ...) at +5s, expected >= 1", for a failed comparison. */
  function failText(j: Judged, series: readonly Series[], when: string): string {
    if (j.none) return `${label} answered no series ${when}`;
    if (series.length > 1 && agg === 'each') {
      const s = j.deciding[0] as Series;
      return `${label}${show(s)} was ${fmt(s.value)} ${when}, expected ${j.bound} (each series must be: ${list(series)})`;
    }
    if (series.length > 1 && agg === 'any') return `no series of ${label} was ${j.bound} ${when} (${list(series)})`;
    return `${label} was ${j.text} ${when}, expected ${j.bound}`;
  }

  /** What the source said about the metric names of the query when it answered no series. */
  function nameHint(): { text: string; unknown: boolean } {
    const suggestions = (track.empty?.data as MetricEmptyData | undefined)?.suggestions;
    if (!suggestions) return { text: '', unknown: false };
    const names = promqlMetricNames(query);
    const missing = names.filter((n) => !suggestions.includes(n));
    if (!missing.length) return { text: names.length ? ` (${item.source} has ${names.join(', ')}, but no series matched)` : '', unknown: false };
    const parts = missing.map((n) => {
      const best = didYouMean(n, suggestions) ?? suggestions.find((s) => s !== n && !names.includes(s));
      return best ? `did you mean ${best}?` : `${item.source} has no metric named ${n}`;
    });
    return { text: ` (${parts.join('; ')})`, unknown: true };
  }

  /** No series matched over the whole run: the item names something the system does not have, or was never asked. */
  function noSeries(): CheckOutcome {
    if (!track.answers.length) return errored(`no sample of ${query} was recorded by ${item.source} (is an observer of source ${item.source} configured? It samples the query from its first poll on, as a promql interest of this item)`);
    return errored(`no series of ${label} over the window${nameHint().text}`, track.empty ? [track.empty.seq] : []);
  }

  /** The value before the first fault (before the window when there is none). */
  function baseline(ctx: EvaluationContext): { base: Baseline; seqs: number[] } | CheckOutcome {
    if (!c?.usesBaseline) return { base: undefined, seqs: [] };
    const cut = ctx.faults.length ? Math.min(...ctx.faults.map((f) => f.startedAt)) : (ctx.window.opensAt as number);
    const a = track.at(cut - 1e-9);
    if (!a) return errored(`no baseline for ${label}: no sample before the fault started (the observer of ${item.source} samples the query from its first poll on: it had not answered it before the first action)`);
    const series = [...a.series.values()];
    if (!series.length) return errored(`no baseline for ${label}: it answered no series before the fault started (${describeAll(absences(a))})`, seqsOf(absences(a)));
    const seqs = seqsOf(series.map((s) => s.obs));
    const nan = series.find((s) => Number.isNaN(s.value));
    if (nan) return errored(`the baseline of ${label}${show(nan)} is NaN (no data before the fault)`, [nan.obs.seq]);
    if (perSeries(agg)) return { base: { kind: 'series', values: new Map(series.map((s) => [s.key, s.value])) }, seqs };
    return { base: { kind: 'aggregate', value: aggregateOf(agg, series.map((s) => s.value)) as number }, seqs };
  }

  /** Judges one answer; an `CheckOutcome` when a series has no baseline. */
  function judgeAnswer(a: Answer, base: Baseline): Judged | CheckOutcome {
    const j = judge(c, agg, [...a.series.values()], base, show);
    if ('missingBaseline' in j) return errored(`no baseline for series ${show(j.missingBaseline)} of ${label}: it had no sample before the fault`, [j.missingBaseline.obs.seq]);
    return j;
  }

  function atEnd(ctx: EvaluationContext, base: Baseline, baseSeqs: number[]): CheckOutcome {
    if (!ctx.window.closed) return pending(`the window to close to read ${label}`);
    if (!track.everPresent) return noSeries();
    const a = track.latest() as Answer;
    const series = [...a.series.values()];
    const j = judgeAnswer(a, base);
    if ('status' in j) return j;
    if (j.none) {
      const last = [...track.answers].reverse().find((x) => x.series.size > 0);
      const seen = last ? `; it last answered ${list([...last.series.values()])} ${when(ctx, last.t)}` : '';
      return failed(`${label} answered no series at the window's end (${describeAll(absences(a))})${seen}`, seqsOf(absences(a)));
    }
    const evidence = series.map((s) => s.obs);
    if (!j.ok) return failed(`${failText(j, series, when(ctx, a.t))} at the window's end (${describeAll(j.deciding.map((s) => s.obs))})`, [...seqsOf(j.deciding.map((s) => s.obs)), ...baseSeqs]);
    return passed(`${subject} ${c.text} at the window's end: ${j.text} (${describeAll(evidence)})`, [...seqsOf(evidence), ...baseSeqs]);
  }

  function increase(ctx: EvaluationContext): CheckOutcome {
    const b = spanBounds(ctx, spanOf as Span);
    if ('status' in b) return b;
    if (b.to === undefined || !ctx.window.closed) return pending(`the ${spanOf} to end to compute ${mode}(${label})`);
    const to = b.to;
    const spanEnd = Number.isFinite(to) ? to : (ctx.window.closesAt ?? ctx.clock.now());
    const atStart = track.at(b.from);
    const results: { s: Series; used: Observation[] }[] = [];
    for (const [key, xs] of track.samples) {
      const before = xs.filter((o) => o.receivedAt <= b.from).at(-1);
      const inside = xs.filter((o) => o.receivedAt > b.from && o.receivedAt <= to);
      if (!inside.length && !atStart?.series.has(key)) continue; // gone before the span, and not back in it
      // A labelled counter appears at its first increment, so a series first seen inside the span started at 0,
      // but only if the query was already answered before (else its first sample is just our first look).
      const firstLook = !before && inside.length > 0 && inside[0]!.receivedAt <= firstLookAt;
      let prev = before ? (before.data as MetricSampleData).value : firstLook ? (inside[0]!.data as MetricSampleData).value : 0;
      let inc = 0;
      for (const o of inside) {
        const v = (o.data as MetricSampleData).value;
        inc += v >= prev ? v - prev : v; // a drop is a counter reset
        prev = v;
      }
      const value = mode === 'rate' ? inc / Math.max(0.001, (spanEnd - b.from) / 1000) : inc;
      const last = (inside.at(-1) ?? before) as Observation;
      results.push({ s: { key, labels: (last.data as MetricSampleData).labels ?? {}, value, obs: last }, used: [...(before ? [before] : []), ...inside.slice(-1)] });
    }
    const what = `${agg === 'sum' ? '' : `${agg} of `}${mode}(${label}) over the ${spanOf} (${formatMs(spanEnd - b.from)})`;
    if (!results.length) {
      // No series at all: a labelled counter that never incremented, unless the source says the name is unknown.
      if (nameHint().unknown) return noSeries();
      const r = compare(c, 0, undefined);
      return r.ok ? passed(`${what} = 0 ${c.text}: no series existed (a counter never incremented)`, []) : failed(`${what} = 0 (no series existed), expected ${r.bound}`, [], true);
    }
    const series = results.map((r) => r.s);
    const j = judge(c, agg, series, undefined, show) as Judged;
    const used = results.filter((r) => j.deciding.includes(r.s)).flatMap((r) => r.used);
    if (!j.ok) {
      const s = j.deciding[0] as Series;
      const text =
        series.length > 1 && agg === 'each' ? `${what}${show(s)} = ${fmt(s.value)}, expected ${j.bound} (each series must be: ${list(series)})`
        : series.length > 1 && agg === 'any' ? `${what}: no series was ${j.bound} (${list(series)})`
        : `${what} = ${j.text}, expected ${j.bound}`;
      return failed(`${text} (${describeAll(used)})`, seqsOf(used));
    }
    return passed(`${what} = ${j.text} ${c.text}`, seqsOf(results.flatMap((r) => r.used)));
  }

  function during(ctx: EvaluationContext, base: Baseline, baseSeqs: number[]): CheckOutcome {
    const b = spanBounds(ctx, spanOf as Span);
    if ('status' in b) return b;
    const answers = track.during(b.from, b.to);
    for (const a of answers) {
      const j = judgeAnswer(a, base);
      if ('status' in j) return j;
      const series = [...a.series.values()];
      if (j.none && !track.everPresent) continue; // judged once the series shows it exists at all (else: no series)
      if (j.none) return failed(`${label} answered no series ${when(ctx, a.t)}, during the ${spanOf} (${describeAll(absences(a))})`, seqsOf(absences(a)));
      if (!j.ok) return failed(`${failText(j, series, when(ctx, a.t))}, during the ${spanOf} (${describeAll(j.deciding.map((s) => s.obs))})`, [...seqsOf(j.deciding.map((s) => s.obs)), ...baseSeqs]);
    }
    // Answers are judged by when they were received, so once the clock is past the span's end it is complete.
    const complete = b.to !== undefined && (ctx.window.closed || ctx.clock.now() > b.to);
    const seen = answers.flatMap((a) => [...a.series.values()].map((s) => s.obs));
    if (!complete) return pending(`the ${spanOf} to be over (${label} ${c.text} so far)`, seqsOf(seen));
    if (!track.everPresent) return noSeries();
    if (!answers.length) return errored(`no sample of ${query} was recorded during the ${spanOf}`);
    const obs = [...new Map(seen.map((o) => [o.seq, o])).values()].sort((x, y) => x.seq - y.seq);
    return passed(`${subject} ${c.text} throughout the ${spanOf} (${obs.length} sample${obs.length === 1 ? '' : 's'}: ${describeAll(obs.slice(-3))})`, [...seqsOf(obs), ...baseSeqs]);
  }

  function hold(ctx: EvaluationContext, base: Baseline, baseSeqs: number[]): CheckOutcome {
    const length = item.hold as number;
    const b = spanBounds(ctx, 'recovery');
    if ('status' in b && b.status === 'pending') return pending(`the fault to end (the ${formatMs(length)} hold starts when ${label} is back ${c.text})`);
    if ('status' in b) return b;
    // The hold starts when the metric is back within bounds after the fault ended: its own recovery.
    const answers = track.during(b.from, undefined);
    let start: { t: number; a: Answer } | undefined;
    for (const a of answers) {
      const j = judgeAnswer(a, base);
      if ('status' in j) return j;
      if (j.ok) {
        start = { t: Math.max(a.t, b.from), a };
        break;
      }
    }
    const seen = answers.slice(-3).flatMap((a) => [...a.series.values()].map((s) => s.obs).concat(absences(a)));
    if (!start) {
      if (!ctx.window.closed) return pending(`${label} to be back ${c.text} after the fault ended, then hold it ${formatMs(length)}`, seqsOf(seen));
      if (!track.everPresent) return noSeries();
      return failed(`${label} was not back ${c.text} after the fault ended (${describeAll(seen)})`, seqsOf(seen), !answers.length);
    }
    const end = start.t + length;
    const held: Observation[] = [...start.a.series.values()].map((s) => s.obs);
    for (const a of answers.filter((x) => x.t > start.t && x.t <= end)) {
      const j = judgeAnswer(a, base) as Judged;
      const moment = when(ctx, a.t);
      if (j.none) return failed(`${label} answered no series ${moment}, within the ${formatMs(length)} hold that began at ${at(ctx, start.t)} (${describeAll(absences(a))})`, seqsOf(absences(a)));
      if (!j.ok) return failed(`${failText(j, [...a.series.values()], moment)}, within the ${formatMs(length)} hold that began at ${at(ctx, start.t)} (${describeAll(j.deciding.map((s) => s.obs))})`, [...seqsOf(j.deciding.map((s) => s.obs)), ...baseSeqs]);
      held.push(...a.obs);
    }
    if (ctx.clock.now() > end) return passed(`${subject} ${c.text} from ${at(ctx, start.t)} for ${formatMs(length)} (${describeAll(held.slice(-3))})`, [...seqsOf(held), ...baseSeqs]);
    if (ctx.window.closed) return failed(`the window closed before the ${formatMs(length)} hold that began at ${at(ctx, start.t)} was over (lengthen window.after)`, seqsOf(held), true);
    return pending(`${label} to hold ${c.text} until ${at(ctx, end)}`, seqsOf(held), end + 1);
  }

  function absent(ctx: EvaluationContext): CheckOutcome {
    const b = spanBounds(ctx, spanOf as Span);
    if ('status' in b) return b;
    const answers = track.during(b.from, b.to);
    const gone = answers.find((a) => a.series.size === 0);
    if (gone && track.everPresent) {
      const t = Math.max(gone.t, b.from);
      return passed(`${label} answered no series at ${at(ctx, t)}, during the ${spanOf} (${describeAll(absences(gone))})`, seqsOf(absences(gone)));
    }
    if (!ctx.window.closed) return pending(gone ? `${label} to exist at all (it has answered no series so far)` : `${label} to answer no series during the ${spanOf}`);
    if (!track.everPresent) return noSeries();
    const seen = answers.slice(-3).flatMap((a) => [...a.series.values()].map((s) => s.obs));
    return failed(`${label} answered series at every look during the ${spanOf}, never none (${answers.length} answer${answers.length === 1 ? '' : 's'}; last: ${describeAll(seen)})`, seqsOf(seen), true);
  }

  function stalled(ctx: EvaluationContext): CheckOutcome {
    const min = item.stalled as number;
    const b = spanBounds(ctx, spanOf as Span);
    if ('status' in b) return b;
    const now = ctx.clock.now();
    const end = b.to !== undefined && Number.isFinite(b.to) ? b.to : ctx.window.closed ? (ctx.window.closesAt ?? now) : now;
    const answers = track.during(b.from, end);
    const describe = (s: Stretch, who = '') =>
      `${label}${who} stayed ${fmt(s.value)} for ${formatMs(s.to - s.from)} from ${at(ctx, s.from)}${s.endedBy ? '' : ` to ${at(ctx, s.to)}`}`;
    const evidenceOf = (s: Stretch) => [...s.setBy.obs, ...(s.endedBy?.obs ?? [])];
    type Result = ReturnType<typeof stretches> & { who: string };
    let results: Result[];
    if (perSeries(agg)) {
      const keys = [...new Set(answers.flatMap((a) => [...a.series.keys()]))];
      results = keys.map((k) => {
        const s = answers.find((a) => a.series.has(k))!.series.get(k)!;
        return { ...stretches(answers, b.from, end, min, (a) => a.series.get(k)?.value), who: keys.length > 1 ? show(s) : '' };
      });
    } else {
      results = [{ ...stretches(answers, b.from, end, min, (a) => aggregateOf(agg, [...a.series.values()].map((s) => s.value))), who: '' }];
    }
    const found = results.filter((r) => r.found);
    const enough = results.length > 0 && (agg === 'each' ? found.length === results.length : found.length > 0);
    if (enough) {
      const shown = agg === 'each' ? found : found.slice(0, 1);
      return passed(`${shown.map((r) => describe(r.found!, r.who)).join('; ')}, during the ${spanOf} (stalled: ${formatMs(min)})`, seqsOf(shown.flatMap((r) => evidenceOf(r.found!))));
    }
    if (!ctx.window.closed) {
      const rechecks = results.map((r) => r.running && r.running.from + min).filter((t): t is number => t !== undefined && (b.to === undefined || t <= b.to));
      return pending(`${subject} to stay unchanged for ${formatMs(min)} during the ${spanOf}`, undefined, rechecks.length ? Math.min(...rechecks) + 1 : undefined);
    }
    if (!track.everPresent) return noSeries();
    const worst = results.filter((r) => !r.found);
    const longest = worst.map((r) => (r.longest ? `the longest stretch without a change: ${describe(r.longest, r.who)}` : `${label}${r.who} had no value`)).join('; ');
    return failed(`${subject} changed more often than every ${formatMs(min)} during the ${spanOf}: ${longest || 'no value'}`, seqsOf(worst.flatMap((r) => (r.longest ? evidenceOf(r.longest) : []))), true);
  }

  function check(ctx: EvaluationContext): CheckOutcome {
    if (ctx.window.opensAt === undefined) return pending('the window to open (the first action to start)');
    if (track.rejected) return errored(`${item.source} rejected ${query}: ${String((track.rejected.data as { error?: unknown }).error)}`, [track.rejected.seq]);
    if (mode === 'absent') return absent(ctx);
    if (mode === 'stalled') return stalled(ctx);
    if (mode === 'increase' || mode === 'rate') return increase(ctx);
    const b = baseline(ctx);
    if ('status' in b) return b;
    if (mode === 'end') return atEnd(ctx, b.base, b.seqs);
    if (mode === 'hold') return hold(ctx, b.base, b.seqs);
    return during(ctx, b.base, b.seqs);
  }

  return makeEvaluator({
    section: 'metrics',
    description,
    sources: [item.source],
    needsClosedWindow: mode === 'end' || mode === 'increase' || mode === 'rate' || (mode === 'during' && spanOf !== 'fault') || (mode === 'stalled' && agg === 'each'),
    observe: (o) => {
      if (o.source !== item.source) return;
      const d = o.data as { query?: unknown; labels?: Record<string, string> } | undefined;
      if (!sameQuery(d?.query)) return;
      if (o.kind === ObservationKinds.metricError) {
        if (d?.query === query) track.add(o);
        return;
      }
      if (o.kind !== ObservationKinds.metricSample && o.kind !== ObservationKinds.metricAbsent && o.kind !== ObservationKinds.metricEmpty) return;
      firstLookAt = Math.min(firstLookAt, o.receivedAt);
      if (o.kind === ObservationKinds.metricEmpty || labelsMatch(d?.labels)) track.add(o);
    },
    checks: [check],
  });
}
