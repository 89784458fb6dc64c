import {
  ObservationKinds,
  type EventData,
  type EventDecodeErrorData,
  type ObservationInput,
  type ObservationRef,
} from '@tester/core';

/** A packed observation and its codec (core's `PackedObservation`, `ObservationCodec`), as `ObservationInput` names them. */
type PackedObservation = NonNullable<ObservationInput['packed']>;
type ObservationCodec = PackedObservation['codec'];
import type { KafkaMessage } from 'kafkajs';
import { describeError } from './errors';

/** A Kafka record as the decoder sees it: value untouched, key and headers as strings. */
export interface KafkaMessageInfo {
  topic: string;
  partition: number;
  /** int64 offset as a string. */
  offset: string;
  key?: string;
  /** Header values as UTF-8 strings (repeated headers joined with `,`). */
  headers: Record<string, string>;
  /** Record timestamp (producer or broker), epoch ms. */
  timestamp?: number;
  value: Buffer | null;
}

/**
 * Turns a record into an event. Throw (with a message saying what is wrong) to record an
 * `event.decode-error` observation; return `null` or `undefined` to skip a record that is not an event.
 */
export type EventDecoder = (message: KafkaMessageInfo) => EventData | null | undefined;

/** Longest raw excerpt kept in a decode-error observation. */
export const RAW_EXCERPT_CHARS = 512;

/**
 * The default decoder: a UTF-8 JSON object with a string `type`, per the control-plane contract
 * `{ id, type, system, timestamp, correlationId, payload }`.
 */
export const jsonDecoder: EventDecoder = (message) => {
  if (message.value === null) throw new Error('empty value (a tombstone), expected a JSON event');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    throw new Error(`value is not JSON (${describeError(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`value is JSON but not an object (got ${Array.isArray(parsed) ? 'an array' : typeof parsed})`);
  }
  const v = parsed as Record<string, unknown>;
  if (typeof v.type !== 'string' || v.type.length === 0) {
    throw new Error('value has no string "type" field, expected { id, type, system, timestamp, correlationId, payload }');
  }
  // The common case, a value that is exactly a contract event, is kept as it was parsed: one object less per event,
  // and the timeline may retain 100,000 of them.
  if (isContractEvent(v)) {
    v.type = intern(v.type);
    if (v.system !== undefined) v.system = intern(v.system);
    return v;
  }
  const event: EventData = { type: intern(v.type) };
  if (typeof v.id === 'string' || typeof v.id === 'number') event.id = String(v.id);
  if (typeof v.system === 'string') event.system = intern(v.system);
  if (typeof v.timestamp === 'string' || typeof v.timestamp === 'number') event.timestamp = v.timestamp;
  if (typeof v.correlationId === 'string') event.correlationId = v.correlationId;
  if ('payload' in v) event.payload = v.payload;
  return event;
};

const CONTRACT_KEYS = new Set(['id', 'type', 'system', 'timestamp', 'correlationId', 'payload']);

/** Whether a parsed value has only the contract's fields, each of the contract's type (`type` is already checked). */
function isContractEvent(v: Record<string, unknown>): v is Record<string, unknown> & EventData & { type: string; system?: string } {
  for (const key in v) if (!CONTRACT_KEYS.has(key)) return false;
  return (
    (v.id === undefined || typeof v.id === 'string') &&
    (v.system === undefined || typeof v.system === 'string') &&
    (v.timestamp === undefined || typeof v.timestamp === 'string' || typeof v.timestamp === 'number') &&
    (v.correlationId === undefined || typeof v.correlationId === 'string')
  );
}

/** Strings seen often (event types, system ids, keys), shared by every observation that carries them. */
const interned = new Map<string, string>();
/** Past this many distinct strings the table starts over: it only saves memory, it must never hold much itself. */
const INTERN_LIMIT = 4096;

/**
 * The one copy of `text` kept for the process. Observations retained by the timeline (up to its cap) then share
 * their types, systems and keys instead of each holding its own copy from JSON.parse.
 */
export function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (text.length > 128) return text;
  if (interned.size >= INTERN_LIMIT) interned.clear();
  interned.set(text, text);
  return text;
}

/**
 * The observation reference of a record. The common record (a key and a timestamp, no headers) gets its reference
 * from one object literal: its fields then sit in the object itself, where adding them one by one would give every
 * reference a second, out-of-object property store (about 40 bytes more per retained observation).
 */
export function kafkaRef(message: KafkaMessageInfo): ObservationRef {
  const { topic, partition, offset, key, timestamp, headers } = message;
  if (key !== undefined && timestamp !== undefined && headers === NO_HEADERS) {
    return { type: 'kafka', topic, partition, offset, key: intern(key), timestamp };
  }
  const ref: ObservationRef = { type: 'kafka', topic, partition, offset };
  // Most records have no headers: no empty object per observation then.
  if (headers !== NO_HEADERS) ref.headers = headers;
  if (key !== undefined) ref.key = intern(key);
  if (timestamp !== undefined) ref.timestamp = timestamp;
  return ref;
}

/**
 * `2026-01-02T03:04:05.678Z` (what `toISOString` writes, the usual event timestamp) in epoch ms, read digit by digit:
 * `Date.parse` cost as much per event as parsing its JSON. `undefined` for anything else, including dates whose
 * reading `Date.parse` would roll over (a 29th to 31st, which may not exist in the month): those go to `Date.parse`.
 */
export function isoUtcMs(text: string): number | undefined {
  // Unrolled: a loop over a table of separators and a digit-reading closure cost a third of decoding the JSON.
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 || // -
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 || // :
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  ) {
    return undefined;
  }
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  const ms = digit(text, 20) * 100 + digit(text, 21) * 10 + digit(text, 22);
  // NaN fails every comparison, so a non-digit lands here too.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 && second <= 59 && ms >= 0)) return undefined;
  // Days since the epoch from the civil date (H. Hinnant's days_from_civil; years here are 1000 and later): a call
  // of Date.UTC cost as much as all of the above.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/** The digit at `at`, or NaN for any other character. */
function digit(text: string, at: number): number {
  const value = text.charCodeAt(at) - 48;
  return value >= 0 && value <= 9 ? value : NaN;
}

/** The event's own time, epoch ms, when it carries a parseable one. */
function eventTime(timestamp: EventData['timestamp']): number | undefined {
  if (typeof timestamp === 'number') return Number.isFinite(timestamp) ? timestamp : undefined;
  if (typeof timestamp === 'string') {
    const ms = isoUtcMs(timestamp) ?? Date.parse(timestamp);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Decodes one record into the observation to record: an `event` (subject = event type; source time = the
 * event's own timestamp, else the record's), an `event.decode-error` (subject = topic), or `undefined` when
 * the decoder skips it. Never throws: a throwing decoder is exactly what a decode error is.
 */
export function toObservation(
  message: KafkaMessageInfo,
  decoder: EventDecoder = jsonDecoder,
  codec?: KafkaEventCodec,
): ObservationInput<EventData> | ObservationInput<EventDecodeErrorData> | undefined {
  let event: EventData | null | undefined;
  try {
    event = decoder(message);
  } catch (error) {
    return decodeErrorObservation(message, describeError(error));
  }
  if (event === null || event === undefined) return undefined;
  const sourceTime = eventTime(event.timestamp) ?? message.timestamp;
  const ref = kafkaRef(message);
  if (codec !== undefined && codec.packs(message)) {
    const packed: PackedObservation = { codec, from: message };
    return sourceTime === undefined
      ? { kind: ObservationKinds.event, subject: event.type, data: event, ref, packed }
      : { kind: ObservationKinds.event, subject: event.type, data: event, ref, sourceTime, packed };
  }
  return sourceTime === undefined
    ? { kind: ObservationKinds.event, subject: event.type, data: event, ref }
    : { kind: ObservationKinds.event, subject: event.type, data: event, ref, sourceTime };
}

/** Whether every character of `text` is ASCII (one byte in UTF-8). */
function isAscii(text: string): boolean {
  for (let c = 0; c < text.length; c++) if (text.charCodeAt(c) > 0x7f) return false;
  return true;
}

/** Flags of a packed record: which optional parts it has. */
const PACKED_KEY = 1;
const PACKED_TIMESTAMP = 2;

/**
 * The packed form of the events of one topic read by the default decoder (see `ObservationInput.packed`): the timeline
 * keeps the record's bytes, off the JavaScript heap, instead of the event's objects, and reads it back through the same
 * decoding, so a retained event costs about its record's size. A record with headers is not packed (its reference
 * carries them as an object).
 *
 * Layout: flags (u8), partition (u32), timestamp (f64, when flagged), offset length (u8) and offset (ASCII digits),
 * key length (u32) and key (UTF-8, when flagged), then the value.
 */
export class KafkaEventCodec implements ObservationCodec {
  constructor(readonly topic: string) {}

  /** Whether the record's event can be packed: a value, no headers, a plain offset. */
  packs(message: KafkaMessageInfo): boolean {
    return message.value !== null && message.headers === NO_HEADERS && message.topic === this.topic && message.offset.length < 256 && isAscii(message.offset);
  }

  size(message: KafkaMessageInfo): number {
    const { key } = message;
    return (
      6 +
      (message.timestamp === undefined ? 0 : 8) +
      message.offset.length +
      (key === undefined ? 0 : 4 + (isAscii(key) ? key.length : Buffer.byteLength(key))) +
      message.value!.length
    );
  }

  // Byte by byte where the text is ASCII (offsets, most keys): Buffer#write costs more per call than these few bytes.
  write(message: KafkaMessageInfo, target: Buffer, at: number): void {
    const { partition, offset, key, timestamp, value } = message;
    target[at] = (key === undefined ? 0 : PACKED_KEY) | (timestamp === undefined ? 0 : PACKED_TIMESTAMP);
    target.writeUInt32LE(partition, at + 1);
    let i = at + 5;
    if (timestamp !== undefined) i = target.writeDoubleLE(timestamp, i);
    target[i++] = offset.length;
    for (let c = 0; c < offset.length; c++) target[i++] = offset.charCodeAt(c);
    if (key !== undefined) {
      let length = key.length;
      if (isAscii(key)) for (let c = 0; c < length; c++) target[i + 4 + c] = key.charCodeAt(c);
      else length = target.write(key, i + 4, 'utf8');
      target.writeUInt32LE(length, i);
      i += 4 + length;
    }
    target.set(value!, i);
  }

  read(bytes: Buffer): ObservationInput {
    const flags = bytes[0]!;
    const partition = bytes.readUInt32LE(1);
    let i = 5;
    let timestamp: number | undefined;
    if (flags & PACKED_TIMESTAMP) {
      timestamp = bytes.readDoubleLE(i);
      i += 8;
    }
    const offsetLength = bytes[i]!;
    const offset = bytes.toString('latin1', i + 1, i + 1 + offsetLength);
    i += 1 + offsetLength;
    let key: string | undefined;
    if (flags & PACKED_KEY) {
      const length = bytes.readUInt32LE(i);
      key = bytes.toString('utf8', i + 4, i + 4 + length);
      i += 4 + length;
    }
    const message: KafkaMessageInfo = { topic: this.topic, partition, offset, headers: NO_HEADERS, value: bytes.subarray(i) };
    if (key !== undefined) message.key = key;
    if (timestamp !== undefined) message.timestamp = timestamp;
    // What the record decoded to when it was recorded: the decoding is the same, and depends on nothing else.
    return toObservation(message, jsonDecoder)!;
  }
}

/**
 * The `event.decode-error` of a record: why it did not decode, and the start of its value (subject = topic; the
 * reference names topic, partition, offset and key).
 */
export function decodeErrorObservation(message: KafkaMessageInfo, error: string): ObservationInput<EventDecodeErrorData> {
  const raw = message.value === null ? '' : message.value.toString('utf8', 0, Math.min(message.value.length, RAW_EXCERPT_CHARS * 4));
  const data: EventDecodeErrorData = { error, raw: raw.length > RAW_EXCERPT_CHARS ? `${raw.slice(0, RAW_EXCERPT_CHARS)}…` : raw };
  const input: ObservationInput<EventDecodeErrorData> = { kind: ObservationKinds.eventDecodeError, subject: message.topic, data, ref: kafkaRef(message) };
  if (message.timestamp !== undefined) input.sourceTime = message.timestamp;
  return input;
}

/** The headers of a record that has none: one shared object, never written to. */
export const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** kafkajs header values (Buffer, string, arrays of them) as plain strings; {@link NO_HEADERS} when there are none. */
export function headersToStrings(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  if (!headers) return NO_HEADERS;
  let out: Record<string, string> | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const parts = Array.isArray(value) ? value : [value];
    out ??= {};
    out[name] = parts.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join(',');
  }
  return out ?? NO_HEADERS;
}

/** A kafkajs message as the decoders see it: key and headers as strings, the value untouched. */
export function messageInfo(topic: string, partition: number, message: KafkaMessage): KafkaMessageInfo {
  const info: KafkaMessageInfo = { topic, partition, offset: message.offset, headers: headersToStrings(message.headers), value: message.value };
  if (message.key !== null && message.key !== undefined) info.key = message.key.toString('utf8');
  const timestamp = Number(message.timestamp);
  if (Number.isFinite(timestamp) && timestamp >= 0) info.timestamp = timestamp;
  return info;
}
