/**
 * Presets: the mappings of well-known record shapes, written as the JSONata a user would write. A topic's own
 * `events` or `states` fields override a preset's field by field.
 */

/** The fields an `events` mapping sets, one JSONata query each. */
export const EVENT_FIELDS = ['type', 'system', 'id', 'timestamp', 'correlationId', 'payload'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/** The fields a `states` mapping sets, one JSONata query each (`system` and `state` are required). */
export const STATE_FIELDS = ['system', 'state', 'id', 'timestamp', 'correlationId', 'detail'] as const;
export type StateField = (typeof STATE_FIELDS)[number];

export const PRESETS = ['control-plane', 'cloudevents', 'kafka-connect-status'] as const;
export type PresetName = (typeof PRESETS)[number];

/** Which CloudEvents attribute names the system: `subject` (else `source` when an event has none), or always `source`. */
export type CloudEventsSystem = 'subject' | 'source';

/** The reference control plane's contract: `{ id, type, system, timestamp, correlationId, payload }` in the value. */
const CONTROL_PLANE_EVENTS: Record<EventField, string> = {
  type: 'value.type',
  system: 'value.system',
  id: 'value.id',
  timestamp: 'value.timestamp',
  correlationId: 'value.correlationId',
  payload: 'value.payload',
};

/** A `states` topic without a preset: `{ system, state }` in the value. */
const PLAIN_STATES: Partial<Record<StateField, string>> = {
  system: 'value.system',
  state: 'value.state',
  timestamp: 'value.timestamp',
};

/**
 * The system of a CloudEvent. `subject` is what the event is about "in the context of the event producer" (the
 * spec's words): `mysql` when the control plane at `source: /control-plane` reports on its MySQL. `source` names the
 * producer, which is the system itself only when each system emits its own events.
 */
const ceSystem = (system: CloudEventsSystem) => (system === 'source' ? 'ce.source' : '$exists(ce.subject) ? ce.subject : ce.source');

const cloudEvents = (system: CloudEventsSystem): Record<EventField, string> => ({
  type: 'ce.type',
  system: ceSystem(system),
  id: 'ce.id',
  timestamp: 'ce.time',
  correlationId: 'ce.correlationid',
  payload: '$exists(ce.data) ? ce.data : ce.data_base64',
});

/**
 * Kafka Connect's status topic (`status.storage.topic`, `connect-status` by default). Keys are
 * `status-connector-<name>` and `status-task-<name>-<n>`; values `{"state":"RUNNING","trace":null,"worker_id":...,
 * "generation":3}`; a deleted connector's records are tombstones (Connect writes `DESTROYED` as a null value).
 * `status-topic-<topic>:connector-<name>` records (the topics a connector uses) carry no state and are skipped.
 * A task becomes the system `<name>/task-<n>`, a connector `<name>`.
 */
export const KAFKA_CONNECT_STATUS = {
  when: '$contains(key, /^status-(connector|task)-/)',
  states: {
    system: '( $t := $match(key, /^status-task-(.+)-([0-9]+)$/); $t ? $t.groups[0] & "/task-" & $t.groups[1] : $match(key, /^status-connector-(.+)$/).groups[0] )',
    state: 'value = null ? "DESTROYED" : value.state',
    detail: 'value.trace',
  } satisfies Partial<Record<StateField, string>>,
  kind: 'kafka-connect',
} as const;

/** The default `events` queries of a preset. */
export function presetEvents(preset: PresetName, ce: CloudEventsSystem): Partial<Record<EventField, string>> {
  if (preset === 'cloudevents') return cloudEvents(ce);
  if (preset === 'control-plane') return CONTROL_PLANE_EVENTS;
  return {};
}

/** The default `states` queries of a preset. */
export function presetStates(preset: PresetName | undefined, ce: CloudEventsSystem): Partial<Record<StateField, string>> {
  if (preset === 'kafka-connect-status') return KAFKA_CONNECT_STATUS.states;
  if (preset === 'cloudevents') {
    const e = cloudEvents(ce);
    return { system: e.system, id: e.id, timestamp: e.timestamp, correlationId: e.correlationId };
  }
  return PLAIN_STATES;
}
