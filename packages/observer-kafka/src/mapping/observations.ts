/**
 * What a mapped record is recorded as. An event topic's record is one `event`. A states topic's record carries only
 * the system's NEW state (Connect's status topic does), so tester keeps each system's last state and turns a record
 * into a change: a `STATE_CHANGED` event `{ from, to }` followed by a `system.state` observation `{ state, previous }`,
 * which together feed `states`, `events` and `timing`. The first record of a system since the observer started has
 * no known previous state: it says so (`previousUnknown: true`, no `from`).
 */
import { EventTypes, ObservationKinds, type EventData, type ObservationInput, type StateVocabulary, type SystemStateData } from '@tester/core';
import { decodeErrorObservation, kafkaRef, type KafkaMessageInfo } from '../decode';
import type { Mapped, MappedState } from './decode';

/** The payload of a `STATE_CHANGED` event from a states topic. */
export interface StateChangePayload {
  /** The state before, as last recorded for this system; absent for its first record. */
  from?: string;
  to: string;
  /** `true` on the first record of a system since the observer started: the topic does not say what it was before. */
  previousUnknown?: true;
  /** What the mapping's `detail` gave (Connect's `trace` of a failed task). */
  detail?: unknown;
}

/** `system.state` data from a states topic. */
export interface TopicStateData extends SystemStateData {
  /** `true` on the first record of a system since the observer started. */
  previousUnknown?: true;
}

/** The last state of each system seen on the states topics of one observer session. */
export class StateTracker {
  private readonly last = new Map<string, string>();

  /** The state before this one (`undefined` for the first record of `system`), or `same` when it did not change. */
  advance(system: string, state: string): { previous: string | undefined } | 'same' {
    const previous = this.last.get(system);
    if (previous === state) return 'same';
    this.last.set(system, state);
    return { previous };
  }
}

/** The systems' kind or vocabulary, for the `system.state` observations of a states topic. */
export interface StateTagging {
  kind?: string;
  vocabulary?: StateVocabulary;
}

/**
 * The observations of one mapped record, in the order to record them. Called in offset order per partition, once the
 * record is accepted: the tracker's previous state is the one recorded last. A state that repeats the system's
 * current one (Connect rewrites `RUNNING` with a new generation after a rebalance) is not a change: nothing.
 */
export function mappedObservations(
  message: KafkaMessageInfo,
  mapped: Mapped,
  tracker: StateTracker,
  tagging: StateTagging = {},
): ObservationInput[] {
  switch (mapped.kind) {
    case 'skip':
      return [];
    case 'error':
      return [decodeErrorObservation(message, mapped.error)];
    case 'event': {
      const input: ObservationInput<EventData> = { kind: ObservationKinds.event, subject: mapped.event.type, data: mapped.event, ref: kafkaRef(message) };
      if (mapped.sourceTime !== undefined) input.sourceTime = mapped.sourceTime;
      return [input];
    }
    case 'state': {
      const step = tracker.advance(mapped.state.system, mapped.state.state);
      if (step === 'same') return [];
      return stateChange(message, mapped.state, step.previous, tagging, mapped.sourceTime);
    }
  }
}

function stateChange(message: KafkaMessageInfo, s: MappedState, previous: string | undefined, tagging: StateTagging, sourceTime: number | undefined): ObservationInput[] {
  const ref = kafkaRef(message);
  const payload: StateChangePayload = previous === undefined ? { to: s.state, previousUnknown: true } : { from: previous, to: s.state };
  if (s.detail !== undefined) payload.detail = s.detail;
  // Records have no event id of their own: where the record is names it uniquely.
  const event: EventData = { id: s.id ?? `${message.topic}/${message.partition}/${message.offset}`, type: EventTypes.stateChanged, system: s.system, payload };
  if (s.timestamp !== undefined) event.timestamp = s.timestamp;
  if (s.correlationId !== undefined) event.correlationId = s.correlationId;
  const data: TopicStateData = { system: s.system, state: s.state };
  if (previous !== undefined) data.previous = previous;
  else data.previousUnknown = true;
  if (s.timestamp !== undefined) data.since = s.timestamp;
  if (tagging.kind !== undefined) data.kind = tagging.kind;
  if (tagging.vocabulary !== undefined) data.vocabulary = tagging.vocabulary;
  // The event first: a track that reads both finds the transition's `from` where the last one left it.
  const changed: ObservationInput<EventData> = { kind: ObservationKinds.event, subject: EventTypes.stateChanged, data: event, ref };
  const state: ObservationInput<TopicStateData> = { kind: ObservationKinds.systemState, subject: s.system, data, ref };
  if (sourceTime !== undefined) {
    changed.sourceTime = sourceTime;
    state.sourceTime = sourceTime;
  }
  return [changed, state];
}
