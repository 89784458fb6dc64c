import { ObservationKinds } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { KafkaEventCodec, NO_HEADERS, RAW_EXCERPT_CHARS, headersToStrings, isoUtcMs, jsonDecoder, kafkaRef, toObservation, type KafkaMessageInfo } from './decode';

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

describe('kafkaRef', () => {
  it('has the same fields whichever way it is built (with or without headers, key and timestamp)', () => {
    const base = { type: 'kafka', topic: 'control-plane.events', partition: 2, offset: '9007199254740993' };
    expect(kafkaRef(message('{}', { headers: NO_HEADERS }))).toStrictEqual({ ...base, key: 'mysql', timestamp: 1_700_000_000_000 });
    expect(kafkaRef(message('{}'))).toStrictEqual({ ...base, headers: { 'x-tester-run': 'run-1' }, key: 'mysql', timestamp: 1_700_000_000_000 });
    expect(kafkaRef(message('{}', { headers: NO_HEADERS, key: undefined, timestamp: undefined }))).toStrictEqual(base);
    expect(JSON.parse(JSON.stringify(kafkaRef(message('{}', { headers: NO_HEADERS }))))).toEqual({ ...base, key: 'mysql', timestamp: 1_700_000_000_000 });
  });
});

describe('isoUtcMs', () => {
  it('reads toISOString timestamps exactly as Date.parse does', () => {
    // Every day of a few years, at varied times of day: the fast path covers days 1-28.
    const start = Date.UTC(1999, 11, 20);
    for (let t = start; t < Date.UTC(2029, 0, 10); t += 86_400_000 + 3_723_457) {
      const text = new Date(t).toISOString();
      expect(isoUtcMs(text) ?? Date.parse(text), text).toBe(Date.parse(text));
      // Days 1-28 are read here, not handed to Date.parse.
      if (new Date(t).getUTCDate() <= 28) expect(isoUtcMs(text), text).toBe(Date.parse(text));
    }
  });

  it('reads every year from 1000 to 9999 as Date.parse does, across leap days and centuries', () => {
    for (let year = 1000; year <= 9999; year += 7) {
      for (const [month, day] of [[1, 1], [2, 28], [3, 1], [12, 28]] as const) {
        const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T13:07:59.042Z`;
        expect(isoUtcMs(text), text).toBe(Date.parse(text));
      }
    }
    for (const text of ['1600-03-01T00:00:00.000Z', '1900-03-01T00:00:00.000Z', '2000-03-01T00:00:00.000Z', '2100-03-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z']) {
      expect(isoUtcMs(text), text).toBe(Date.parse(text));
    }
  });

  it('leaves to Date.parse what it would roll over or refuse, and anything not of that exact shape', () => {
    for (const text of [
      '2026-02-29T00:00:00.000Z', // rolls over to March 1st in Date.parse
      '2026-02-31T00:00:00.000Z',
      '2026-01-31T23:59:59.999Z',
      '2026-13-01T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:59:60.000Z',
      '0099-01-01T00:00:00.000Z', // Date.UTC would read year 99 as 1999
      '2026-01-01T00:00:00.000+01:00',
      '2026-01-01T00:00:00Z',
      '2026-01-01 00:00:00.000Z',
      '2026-0a-01T00:00:00.000Z',
      '+02026-01-01T00:00:00.000',
    ]) {
      expect(isoUtcMs(text), text).toBeUndefined();
    }
    expect(isoUtcMs('2026-01-28T23:59:59.999Z')).toBe(Date.parse('2026-01-28T23:59:59.999Z'));
  });

  it('falls back to Date.parse, and to the record timestamp when the event time does not parse', () => {
    const obs = toObservation(message(JSON.stringify({ ...event, timestamp: '2026-02-31T00:00:00.000Z' })));
    expect(obs?.sourceTime).toBe(Date.parse('2026-02-31T00:00:00.000Z'));
    const none = toObservation(message(JSON.stringify({ ...event, timestamp: 'yesterday' })));
    expect(none?.sourceTime).toBe(1_700_000_000_000);
  });
});

describe('KafkaEventCodec', () => {
  const codec = new KafkaEventCodec('control-plane.events');
  /** What the timeline does with a packed observation: write its bytes somewhere in a block, read them back. */
  const roundTrip = (info: KafkaMessageInfo) => {
    const input = toObservation(info, jsonDecoder, codec)!;
    expect(input.packed, 'packed').toBeDefined();
    const { packed, ...recorded } = input;
    const size = packed!.codec.size(packed!.from);
    const block = Buffer.alloc(size + 20, 0xee);
    packed!.codec.write(packed!.from, block, 7);
    expect(block.subarray(size + 7).every((b) => b === 0xee), 'writes exactly size bytes').toBe(true);
    return { recorded, read: packed!.codec.read(block.subarray(7, 7 + size)) };
  };

  it('reads a packed event back exactly as it was recorded: data, reference, subject and source time', () => {
    const plain = { headers: NO_HEADERS };
    for (const info of [
      message(JSON.stringify(event), plain),
      message(JSON.stringify(event), { ...plain, key: undefined, timestamp: undefined }),
      message(JSON.stringify({ ...event, timestamp: undefined }), { ...plain, timestamp: 1_700_000_000_123 }),
      message(JSON.stringify({ ...event, timestamp: 'yesterday' }), { ...plain, key: undefined }),
      // Not exactly a contract event: the decoder keeps only the contract's fields; keys and values beyond ASCII.
      message(JSON.stringify({ ...event, extra: [1, 2], id: 7, payload: { note: 'naïve ☃ 𝄞' } }), { ...plain, key: 'clé-☃', partition: 4_000_000_000 }),
      message(JSON.stringify({ type: 'TICK' }), { ...plain, offset: '0', key: '' }),
      message(`{"type":"TICK","payload":{"n":${'9'.repeat(30)}}}`, { ...plain, offset: '9223372036854775807', timestamp: 0 }),
    ]) {
      const { recorded, read } = roundTrip(info);
      expect(read, info.value!.toString()).toStrictEqual(recorded);
    }
  });

  it('packs only what it can read back: not a record with headers, a tombstone, a decode error or another topic', () => {
    expect(toObservation(message(JSON.stringify(event)), jsonDecoder, codec)?.packed).toBeUndefined();
    expect(toObservation(message(null, { headers: NO_HEADERS }), jsonDecoder, codec)?.packed).toBeUndefined();
    expect(toObservation(message('not json', { headers: NO_HEADERS }), jsonDecoder, codec)?.packed).toBeUndefined();
    expect(toObservation(message(JSON.stringify(event), { headers: NO_HEADERS, topic: 'other' }), jsonDecoder, codec)?.packed).toBeUndefined();
    expect(toObservation(message(JSON.stringify(event), { headers: NO_HEADERS }), jsonDecoder)?.packed).toBeUndefined();
  });
});
