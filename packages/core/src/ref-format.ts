/** How an observation's reference reads in messages and reports: one rendering, for assertions and reporters alike. */
import type { ObservationRef } from './observation';
import { formatLabels } from './promql';

/**
 * Where an observation came from, briefly, so that a person can find it again: `GET http://127.0.0.1:8080/api/v1/systems
 * -> 200`, `control-plane.events[0]@14`, `cp_up{job="cp"} = 1`, or a custom reference's `summary`.
 */
export function formatRef(ref: ObservationRef): string {
  switch (ref.type) {
    case 'http':
      return `${ref.method} ${ref.url}${ref.status ? ` -> ${ref.status}` : ''}`;
    case 'kafka':
      return `${ref.topic}[${ref.partition}]@${ref.offset}`;
    case 'promql':
      return `${ref.query}${formatLabels(ref.labels)} = ${ref.value}`;
    case 'scrape':
      return `${ref.metric}${formatLabels(ref.labels)} = ${ref.value}`;
    case 'runtime':
      return ref.detail;
    default:
      return String((ref as { summary?: unknown }).summary ?? '');
  }
}
