import { ObservationKinds } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { NO_HEADERS, RAW_EXCERPT_CHARS, headersToStrings, jsonDecoder, toObservation, type KafkaMessageInfo } from './decode';

const message = (value: string | null, extra: Partial<KafkaMessageInfo> = {}): KafkaMessageInfo => ({
  topic: 'control-plane.events',
  partition: 2,
  offset: '9007199254740993',
  key: 'mysql',
  headers: { 'x-tester-run': 'run-1' },
  timestamp: 1_700_000_000_000,
  value: value === null ? null : Buffer.from(value),
  ...extra,
});

const event = {
  id: 'e1',
  type: 'CONNECTION_LOST',
  system: 'mysql',
  timestamp: '2026-01-01T00:00:00.000Z',
  correlationId: 'run-1',
  payload: { error: 'ECONNRESET' },
};

describe('toObservation with the JSON decoder', () => {
  it('turns a contract event into an event observation with its type as subject and a full kafka ref', () => {
    const obs = toObservation(message(JSON.stringify(event)));
    expect(obs).toEqual({
      kind: ObservationKinds.event,
      subject: 'CONNECTION_LOST',
      sourceTime: Date.parse(event.timestamp),
      data: event,
      ref: {
        type: 'kafka',
        topic: 'control-plane.events',
        partition: 2,
        offset: '9007199254740993',
        key: 'mysql',
        timestamp: 1_700_000_000_000,
        headers: { 'x-tester-run': 'run-1' },
      },
    });
  });

  it('uses the record timestamp as source time when the event has none', () => {
    const obs = toObservation(message(JSON.stringify({ type: 'X' })));
    expect(obs?.sourceTime).toBe(1_700_000_000_000);
    expect(obs?.data).toEqual({ type: 'X' });
  });

  it.each([
    ['not JSON', '{oops', /value is not JSON/],
    ['a JSON array', '[1,2]', /not an object \(got an array\)/],
    ['a JSON string', '"hi"', /not an object \(got string\)/],
    ['an object without type', '{"id":"1"}', /no string "type" field/],
    ['an empty type', '{"type":""}', /no string "type" field/],
  ])('records %s as event.decode-error, not a crash', (_name, raw, error) => {
    const obs = toObservation(message(raw));
    expect(obs?.kind).toBe(ObservationKinds.eventDecodeError);
    expect(obs?.subject).toBe('control-plane.events');
    expect(obs?.data).toEqual({ error: expect.stringMatching(error), raw });
    expect(obs?.ref).toMatchObject({ type: 'kafka', partition: 2, offset: '9007199254740993' });
  });

  it('records a tombstone as a decode error', () => {
    const obs = toObservation(message(null));
    expect(obs?.kind).toBe(ObservationKinds.eventDecodeError);
    expect(obs?.data).toEqual({ error: expect.stringMatching(/tombstone/), raw: '' });
  });

  it('truncates the raw excerpt of a huge undecodable value', () => {
    const raw = 'x'.repeat(RAW_EXCERPT_CHARS * 3);
    const obs = toObservation(message(raw));
    const data = obs?.data as { raw: string };
    expect(data.raw).toHaveLength(RAW_EXCERPT_CHARS + 1);
    expect(data.raw.endsWith('…')).toBe(true);
  });

  it('keeps only the contract fields and stringifies a numeric id', () => {
    expect(jsonDecoder(message(JSON.stringify({ id: 7, type: 'T', extra: true })))).toEqual({ id: '7', type: 'T' });
  });
});

describe('toObservation with a custom decoder', () => {
  it('records what the decoder returns', () => {
    const obs = toObservation(message('STATE_CHANGED|mysql'), (m) => {
      const [type, system] = m.value!.toString().split('|');
      return { type: type!, system: system! };
    });
    expect(obs).toMatchObject({ kind: 'event', subject: 'STATE_CHANGED', data: { type: 'STATE_CHANGED', system: 'mysql' } });
  });

  it('skips a record when the decoder returns null', () => {
    expect(toObservation(message('heartbeat'), () => null)).toBeUndefined();
  });

  it('turns a throwing decoder into a decode error with its message', () => {
    const obs = toObservation(message('abc'), () => {
      throw new TypeError('bad frame');
    });
    expect(obs).toMatchObject({ kind: 'event.decode-error', data: { error: 'TypeError: bad frame', raw: 'abc' } });
  });
});

describe('headersToStrings', () => {
  it('decodes buffers, keeps strings, joins repeated headers and drops undefined', () => {
    expect(
      headersToStrings({ a: Buffer.from('1'), b: 'two', c: [Buffer.from('x'), 'y'], d: undefined }),
    ).toEqual({ a: '1', b: 'two', c: 'x,y' });
    expect(headersToStrings(undefined)).toBe(NO_HEADERS);
    expect(headersToStrings({})).toBe(NO_HEADERS);
  });

  it('leaves headers out of the reference of a record that has none', () => {
    const a = toObservation(message(JSON.stringify(event), { headers: NO_HEADERS }));
    expect(a?.ref).not.toHaveProperty('headers');
    expect(a?.data).toEqual(event);
  });
});
