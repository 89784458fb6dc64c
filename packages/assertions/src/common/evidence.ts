/**
 * How evidence reads in messages: every observation named so a person can find it again
 * (`#14 kafka control-plane.events p0@14 id=e-1`, `#9 api GET /api/v1/systems/mysql state=DISCONNECTED`).
 */
import { type EventData, type Observation, ObservationKinds } from '@tester/core';

const MAX_LISTED = 5;

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function labelsText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
}

/** One observation, briefly, with its `seq` and where it came from. */
export function describeObservation(o: Observation): string {
  const data = (o.data ?? {}) as Record<string, unknown>;
  const ref = o.ref;
  let where: string;
  switch (ref.type) {
    case 'kafka':
      where = `${o.source} ${ref.topic} p${ref.partition}@${ref.offset}`;
      break;
    case 'http':
      where = `${o.source} ${ref.method} ${pathOf(ref.url)}`;
      break;
    case 'promql':
      return `#${o.seq} ${o.source} ${ref.query}${labelsText(ref.labels)} = ${ref.value}`;
    case 'scrape':
      return `#${o.seq} ${o.source} ${ref.metric}${labelsText(ref.labels)} = ${ref.value}`;
    case 'runtime':
      where = `${o.source} ${ref.detail}`;
      break;
    default:
      where = `${o.source} ${ref.summary}`;
  }
  const detail: string[] = [];
  if (o.kind === ObservationKinds.event) {
    const e = data as unknown as EventData;
    if (e.type) detail.push(e.type);
    if (e.id !== undefined) detail.push(`id=${e.id}`);
  } else if (o.kind === ObservationKinds.systemState) {
    detail.push(`${String(data.system)}=${String(data.state)}`);
  } else if (o.kind === ObservationKinds.policyExecution) {
    detail.push(`${String(data.policyId)} ${String(data.id)} ${String(data.status)}`);
    if (data.attempts !== undefined) detail.push(`attempts=${String(data.attempts)}`);
  } else if (o.kind === ObservationKinds.metricSample) {
    detail.push(`${String(data.query)}${labelsText((data.labels ?? {}) as Record<string, string>)} = ${String(data.value)}`);
  } else if (o.kind === ObservationKinds.eventDecodeError) {
    detail.push(`undecodable: ${String(data.error)}`);
  }
  return `#${o.seq} ${where}${detail.length ? ' ' + detail.join(' ') : ''}`;
}

/** A list of observations for a message; long lists are cut with a count of the rest. */
export function describeAll(observations: readonly Observation[]): string {
  if (observations.length === 0) return 'none';
  const shown = observations.slice(0, MAX_LISTED).map(describeObservation);
  const rest = observations.length - shown.length;
  return shown.join(', ') + (rest > 0 ? `, and ${rest} more` : '');
}

/** The `seq` numbers of observations, for a verdict's evidence. */
export function seqs(observations: readonly Observation[]): number[] {
  return observations.map((o) => o.seq);
}
