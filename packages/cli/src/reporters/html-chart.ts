import { ObservationKinds as K, type Observation } from '@tester/core';
import { formatLabels, seriesKey } from '@tester/core/promql';
import { type ScenarioResult } from '@tester/core/runner';
import { xmlEscape as esc } from './junit';

const STATE_COLORS: Record<string, string> = {
  CONNECTED: '#2e9e5b',
  DEGRADED: '#e0a030',
  DISCONNECTED: '#d64541',
  RECOVERING: '#3a7bd5',
};
const SERIES_COLORS = ['#3a7bd5', '#8e44ad', '#16a085', '#c0392b', '#d35400', '#2c3e50'];

/** The anchor id of an observation in scenario `n`'s report section: evidence links point here. */
export const obsId = (n: number, seq: number) => `s${n}-obs-${seq}`;

/**
 * The SVG timeline of one scenario run: a state lane per system, events as marks, policies and chaos as ticks, a
 * lane per other observation kind (any kind, a third-party observer's too: ticks, and a line when its values are
 * numbers), metric series, the fault window shaded and the evaluation window outlined. Times on the axis are
 * seconds from the run's start.
 */
export function timelineSvg(result: ScenarioResult, n: number): string {
  const W = 1000;
  const left = 150;
  const right = 20;
  const lane = 26;
  const t0 = result.phases[0]?.startedAt ?? result.timeline[0]?.receivedAt ?? 0;
  const tEnd = Math.max(t0 + result.durationMs, ...result.timeline.map((o) => o.receivedAt), t0 + 1);
  const x = (t: number) => left + ((t - t0) / (tEnd - t0)) * (W - left - right);
  const byKind = (kind: string) => result.timeline.filter((o) => o.kind === kind);

  const states = byKind('system.state');
  const systems = [...new Set([...result.scenario.systems, ...states.map((o) => String(o.subject ?? (o.data as { system?: string }).system))])];
  const events = result.timeline.filter((o) => o.kind === 'event' || o.kind === 'event.decode-error');
  const metrics = byKind('metric.sample');
  const seriesLabels = new Map(metrics.map(metricSeries).map((s) => [s.key, s.label]));
  const seriesKeys = [...seriesLabels.keys()].slice(0, SERIES_COLORS.length);
  const otherKinds = result.timeline.filter((o) => TICK_KINDS.includes(o.kind));
  // Every other kind, a third-party observer's (`sql.rows`) as much as a future built-in's, gets a lane of its own.
  const lanes = kindLanes(result.timeline.filter((o) => !DRAWN_KINDS.has(o.kind)));

  const parts: string[] = [];
  let y = 24;
  // Fault windows and the evaluation window are drawn first, under everything.
  const bodyTop = y;
  const rows = systems.length + 2 + lanes.reduce((n, l) => n + (l.numeric ? 2 : 1), 0) + (seriesKeys.length ? 3 : 0);
  const bodyHeight = rows * lane;
  for (const f of result.faults) {
    const x1 = x(f.startedAt);
    const x2 = x(f.endedAt ?? tEnd);
    parts.push(`<rect class="fault" x="${x1}" y="${bodyTop - 6}" width="${Math.max(2, x2 - x1)}" height="${bodyHeight + 6}"><title>${esc(`fault ${f.fault} on ${f.system} (${f.id})`)}</title></rect>`);
    parts.push(`<text class="label fault-label" x="${x1 + 3}" y="${bodyTop - 10}">${esc(`${f.fault} ${f.system}`)}</text>`);
  }
  if (result.window.opensAt !== undefined) {
    const x1 = x(result.window.opensAt);
    const x2 = x(result.window.closesAt ?? tEnd);
    const title = result.window.closed ? 'evaluation window' : 'evaluation window, never closed: the system did not settle';
    parts.push(`<rect class="window${result.window.closed ? '' : ' open'}" x="${x1}" y="${bodyTop - 4}" width="${Math.max(1, x2 - x1)}" height="${bodyHeight + 2}"><title>${title}</title></rect>`);
  }

  for (const system of systems) {
    parts.push(`<text class="label" x="6" y="${y + 16}">${esc(system)}</text>`);
    const own = states.filter((o) => (o.subject ?? (o.data as { system?: string }).system) === system);
    own.forEach((o, i) => {
      const state = String((o.data as { state?: string }).state ?? '?');
      const x1 = x(o.receivedAt);
      const x2 = x(own[i + 1]?.receivedAt ?? tEnd);
      parts.push(
        `<a href="#${obsId(n, o.seq)}"><rect id="${obsId(n, o.seq)}-mark" class="state" x="${x1}" y="${y + 3}" width="${Math.max(1, x2 - x1)}" height="${lane - 6}" fill="${STATE_COLORS[state] ?? '#999'}"><title>${esc(`#${o.seq} ${system} ${state}`)}</title></rect></a>`,
      );
      if (x2 - x1 > 60) parts.push(`<text class="state-label" x="${x1 + 4}" y="${y + 17}">${esc(state)}</text>`);
    });
    y += lane;
  }

  parts.push(`<text class="label" x="6" y="${y + 16}">events</text>`);
  for (const o of events) {
    const cx = x(o.receivedAt);
    const type = String((o.data as { type?: string }).type ?? o.kind);
    parts.push(`<a href="#${obsId(n, o.seq)}"><circle class="event${o.kind === 'event' ? '' : ' bad'}" cx="${cx}" cy="${y + lane / 2}" r="5"><title>${esc(`#${o.seq} ${type}`)}</title></circle></a>`);
  }
  y += lane;
  parts.push(`<text class="label" x="6" y="${y + 16}">policies, chaos</text>`);
  for (const o of otherKinds) {
    parts.push(`<a href="#${obsId(n, o.seq)}"><rect class="tick ${o.kind.replace(/\./g, '-')}" x="${x(o.receivedAt) - 2}" y="${y + 5}" width="4" height="${lane - 10}"><title>${esc(`#${o.seq} ${o.kind} ${o.subject ?? ''}`)}</title></rect></a>`);
  }
  y += lane;

  for (const { kind, observations, numeric } of lanes) {
    const h = numeric ? lane * 2 : lane;
    parts.push(`<text class="label" x="6" y="${y + 16}">${esc(kind.length > 22 ? `${kind.slice(0, 21)}…` : kind)}<title>${esc(kind)}</title></text>`);
    for (const o of observations) {
      const title = `#${o.seq} ${o.kind}${o.subject ? ` ${o.subject}` : ''} ${summary(o.data)}`;
      parts.push(`<a href="#${obsId(n, o.seq)}"><rect class="tick kind" x="${x(o.receivedAt) - 2}" y="${y + 5}" width="4" height="${lane - 10}"><title>${esc(title)}</title></rect></a>`);
    }
    if (numeric) {
      // One line per subject, scaled to the lane: the shape of the values, their range in the title.
      [...new Set(observations.map((o) => o.subject ?? ''))].slice(0, SERIES_COLORS.length).forEach((subject, i) => {
        const points = observations.filter((o) => (o.subject ?? '') === subject);
        const values = points.map(numericValue) as number[];
        const lo = Math.min(...values);
        const hi = Math.max(...values);
        const py = (v: number) => y + h - 4 - (hi === lo ? 0.5 : (v - lo) / (hi - lo)) * (h - lane - 4);
        const d = points.map((o, j) => `${x(o.receivedAt).toFixed(1)},${py(values[j]!).toFixed(1)}`).join(' ');
        parts.push(`<polyline class="series" stroke="${SERIES_COLORS[i]}" points="${d}"><title>${esc(`${kind} ${subject} (${lo} .. ${hi})`)}</title></polyline>`);
      });
    }
    y += h;
  }

  if (seriesKeys.length) {
    const h = lane * 3;
    parts.push(`<text class="label" x="6" y="${y + 16}">metrics</text>`);
    seriesKeys.forEach((key, i) => {
      const points = metrics.filter((o) => metricSeries(o).key === key);
      const label = seriesLabels.get(key)!;
      const values = points.map((o) => (o.data as { value: number }).value).filter(Number.isFinite);
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      const py = (v: number) => y + h - 4 - (hi === lo ? 0.5 : (v - lo) / (hi - lo)) * (h - 8);
      const d = points.map((o) => `${x(o.receivedAt).toFixed(1)},${py((o.data as { value: number }).value).toFixed(1)}`).join(' ');
      parts.push(`<polyline class="series" stroke="${SERIES_COLORS[i]}" points="${d}"><title>${esc(`${label} (${lo} .. ${hi})`)}</title></polyline>`);
      parts.push(`<text class="legend" x="6" y="${y + 30 + i * 12}" fill="${SERIES_COLORS[i]}">${esc(label.slice(0, 22))}</text>`);
    });
    y += h;
  }

  // Axis: a tick every "nice" step.
  const span = (tEnd - t0) / 1000;
  const step = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => span / s <= 10) ?? 600;
  parts.push(`<line class="axis" x1="${left}" x2="${W - right}" y1="${y + 4}" y2="${y + 4}"/>`);
  for (let s = 0; s <= span + 1e-9; s += step) {
    const tx = x(t0 + s * 1000);
    parts.push(`<line class="axis" x1="${tx}" x2="${tx}" y1="${y + 4}" y2="${y + 8}"/><text class="tick-label" x="${tx}" y="${y + 20}">${s}s</text>`);
  }
  y += 28;
  return `<svg class="timeline" role="img" aria-label="${esc(`timeline of ${result.scenario.name}`)}" viewBox="0 0 ${W} ${y}" width="100%" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** The kinds the lanes above draw in their own way; every other kind gets a lane from {@link kindLanes}. */
const TICK_KINDS: string[] = [K.policyExecution, K.chaos, K.drift, K.reconciliation, K.observerBlind, K.observerSighted];
// A fault's start and end are drawn as its shaded window.
const DRAWN_KINDS = new Set<string>([K.systemState, K.event, K.eventDecodeError, K.metricSample, K.faultStarted, K.faultEnded, ...TICK_KINDS]);
/** Lanes of other kinds drawn one by one; the rest share a last lane, so that a chatty plugin cannot fill the page. */
const MAX_KIND_LANES = 8;

interface KindLane {
  kind: string;
  observations: Observation[];
  /** Every observation carries a number (`data.value`, or `data` itself): the lane draws its line too. */
  numeric: boolean;
}

/** One lane per observation kind, in order of first appearance. */
export function kindLanes(observations: readonly Observation[]): KindLane[] {
  const byKind = new Map<string, Observation[]>();
  for (const o of observations) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
  const kinds = [...byKind.keys()];
  const shown = kinds.length <= MAX_KIND_LANES ? kinds : kinds.slice(0, MAX_KIND_LANES - 1);
  const lanes = shown.map((kind) => {
    const list = byKind.get(kind)!;
    return { kind, observations: list, numeric: list.every((o) => numericValue(o) !== undefined) };
  });
  const rest = kinds.slice(shown.length);
  if (rest.length) lanes.push({ kind: `${rest.length} other kinds`, observations: rest.flatMap((k) => byKind.get(k)!).sort((a, b) => a.seq - b.seq), numeric: false });
  return lanes;
}

/** `data.value` or `data` when it is a finite number. */
function numericValue(o: Observation): number | undefined {
  const v = typeof o.data === 'number' ? o.data : (o.data as { value?: unknown } | null)?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A short view of an observation's data for a tooltip. */
function summary(data: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(data) ?? '';
  } catch {
    text = String(data);
  }
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * A metric series: its identity (core's `seriesKey` of its labels, under its query, so the chart groups samples as the
 * metrics assertions do) and its legend (`cp_up{job="cp"}`, core's `formatLabels`).
 */
function metricSeries(o: Observation): { key: string; label: string } {
  const d = o.data as { query?: string; labels?: Record<string, string> };
  const name = o.subject ?? d.query ?? '?';
  const labels = Object.fromEntries(Object.entries(d.labels ?? {}).filter(([k]) => k !== '__name__'));
  return { key: `${name} ${seriesKey(labels)}`, label: `${name}${formatLabels(labels)}` };
}
