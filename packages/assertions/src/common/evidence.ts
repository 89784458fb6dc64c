/**
 * How evidence reads in messages: every observation named so a person can find it again
 * (`#14 kafka control-plane.events[0]@14 CONNECTION_LOST id=e-1`, `#9 api GET http://127.0.0.1:8080/api/v1/systems -> 200
 * mysql=DISCONNECTED`).
 */
import { type EventData, formatRef, type Observation, ObservationKinds } from '@tester/core';
import { formatLabels } from '@tester/core/promql';

const MAX_LISTED = 5;

/** One observation, briefly, with its `seq`, its source and where it came from (core's {@link formatRef}). */
export function describeObservation(o: Observation): string {
  const data = (o.data ?? {}) as Record<string, unknown>;
  const where = `${o.source} ${formatRef(o.ref)}`;
  // A sample's reference already shows the query, its labels and the value.
  if (o.ref.type === 'promql' || o.ref.type === 'scrape') return `#${o.seq} ${where}`;
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
    detail.push(`${String(data.query)}${formatLabels(data.labels as Record<string, string> | undefined)} = ${String(data.value)}`);
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
