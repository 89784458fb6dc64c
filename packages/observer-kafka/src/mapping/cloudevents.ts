/**
 * CloudEvents on Kafka (the Kafka protocol binding of CloudEvents 1.0): one shape from either content mode.
 * - Structured: the value is the whole event as JSON, `{ specversion, type, source, id, time?, subject?, data? }`
 *   (content type `application/cloudevents+json`).
 * - Binary: every attribute is a header `ce_<name>` (`ce_type`, `ce_id`, ...), `content-type` is the data's content
 *   type and the value is the data.
 */

/** A CloudEvent's context attributes (extensions included) and its data. */
export interface CloudEvent {
  specversion: string;
  type: string;
  source: string;
  id: string;
  [attribute: string]: unknown;
}

/** Attributes every CloudEvent has (spec 1.0, "REQUIRED Attributes"). */
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

/**
 * Reads the CloudEvent a record carries, from its headers and its value (already parsed as JSON when it is JSON, else
 * the string, `null` for a tombstone). Throws with what is missing, in the words of the content mode it found.
 */
export function readCloudEvent(headers: Record<string, string>, value: unknown): CloudEvent {
  if (headers.ce_specversion !== undefined) {
    const event: Record<string, unknown> = {};
    for (const [name, text] of Object.entries(headers)) if (name.startsWith('ce_')) event[name.slice(3)] = text;
    if (headers['content-type'] !== undefined) event.datacontenttype = headers['content-type'];
    if (value !== null) event.data = value;
    return checked(event, (attribute) => `header ce_${attribute}`, 'binary');
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'specversion' in value) {
    return checked(value as Record<string, unknown>, (attribute) => `"${attribute}"`, 'structured');
  }
  throw new Error(
    'not a CloudEvent: no ce_specversion header (binary mode) and the value is not a JSON object with "specversion" (structured mode)',
  );
}

function checked(event: Record<string, unknown>, name: (attribute: string) => string, mode: string): CloudEvent {
  for (const attribute of REQUIRED) {
    const v = event[attribute];
    if (typeof v !== 'string' || v === '') throw new Error(`CloudEvent (${mode} mode) without ${name(attribute)}: it is required`);
  }
  return event as CloudEvent;
}
