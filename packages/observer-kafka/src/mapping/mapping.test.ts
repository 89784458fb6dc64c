/**
 * Topic mappings on in-memory records (the observer's input, not the system under test): every mapping form, the
 * states topic's change tracking, CloudEvents in both content modes, and every way a record can fail to map.
 */
import { FaultTimings, readState, SystemVocabularies, TesterError, type Observation, type ObservationInput } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { parseKafkaConfig, type KafkaPluginOptions } from '../config';
import type { KafkaMessageInfo } from '../decode';
import { mapRecord } from './decode';
import { mappedObservations, StateTracker } from './observations';
import { KAFKA_CONNECT_STATUS } from './presets';

let offset = 0;
const record = (value: unknown, extra: Partial<KafkaMessageInfo> = {}): KafkaMessageInfo => ({
  topic: 't',
  partition: 0,
  offset: String(offset++),
  headers: {},
  timestamp: 1_700_000_000_000,
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  ...extra,
});

/** Decodes `records` through the config's mapping of their topic, in order, as the observer does. */
async function decode(options: KafkaPluginOptions, records: KafkaMessageInfo[]): Promise<ObservationInput[]> {
  const config = parseKafkaConfig(options);
  const tracker = new StateTracker();
  const out: ObservationInput[] = [];
  for (const r of records) {
    const plan = config.plans.find((p) => p.name === r.topic);
    if (!plan || plan.mode === 'contract') throw new Error(`no mapping for ${r.topic}`);
    out.push(...mappedObservations(r, await mapRecord(plan, r), tracker, plan.mode === 'states' ? plan : {}));
  }
  return out;
}

const connect = (key: string, value: unknown) => record(value, { topic: 'connect-status', key });
const status = (state: string) => ({ state, trace: null, worker_id: '127.0.0.1:8083', generation: 3 });

describe('events mappings', () => {
  it('reads each field from the value, the key or a header', async () => {
    const [obs] = await decode(
      {
        topics: [
          {
            name: 't',
            events: {
              type: 'value.kind',
              system: 'key',
              id: 'headers."x-event-id"',
              timestamp: 'value.at',
              correlationId: 'headers.trace',
              payload: '{ "size": value.size, "partition": partition }',
            },
          },
        ],
      },
      [record({ kind: 'RESIZED', at: '2026-01-01T00:00:00Z', size: 3 }, { key: 'mysql', headers: { 'x-event-id': 'ev-9', trace: 'c-1' } })],
    );
    expect(obs).toEqual({
      kind: 'event',
      subject: 'RESIZED',
      sourceTime: Date.parse('2026-01-01T00:00:00Z'),
      data: { type: 'RESIZED', system: 'mysql', id: 'ev-9', timestamp: '2026-01-01T00:00:00Z', correlationId: 'c-1', payload: { size: 3, partition: 0 } },
      ref: expect.objectContaining({ type: 'kafka', topic: 't', partition: 0, key: 'mysql' }),
    });
  });

  it('keeps the control-plane contract for the fields it does not map, and the record time when there is no timestamp', async () => {
    const [obs] = await decode({ topics: [{ name: 't', events: { system: 'key' } }] }, [record({ id: 7, type: 'X', payload: [1] }, { key: 'redis' })]);
    expect(obs).toMatchObject({ subject: 'X', sourceTime: 1_700_000_000_000, data: { id: '7', type: 'X', system: 'redis', payload: [1] } });
  });

  it('reads a value that is not JSON as its text', async () => {
    const [obs] = await decode({ topics: [{ name: 't', events: { type: '$substringBefore(value, "|")', system: '$substringAfter(value, "|")' } }] }, [
      record('DOWN|mysql'),
    ]);
    expect(obs).toMatchObject({ kind: 'event', data: { type: 'DOWN', system: 'mysql' } });
  });

  it('skips the records a `when` condition is false for, and only those', async () => {
    const out = await decode({ topics: [{ name: 't', when: 'value.type != "HEARTBEAT"' }] }, [record({ type: 'HEARTBEAT' }), record({ type: 'UP' })]);
    expect(out.map((o) => o.subject)).toEqual(['UP']);
  });
});

describe('a states topic: Kafka Connect status records', () => {
  // The mapping the README shows, written out; preset kafka-connect-status is the same.
  const written: KafkaPluginOptions = {
    topics: [
      {
        name: 'connect-status',
        when: '$contains(key, /^status-(connector|task)-/)',
        states: {
          system:
            '( $t := $match(key, /^status-task-(.+)-([0-9]+)$/); $t ? $t.groups[0] & "/task-" & $t.groups[1] : $match(key, /^status-connector-(.+)$/).groups[0] )',
          state: 'value = null ? "DESTROYED" : value.state',
          detail: 'value.trace',
        },
        kind: 'kafka-connect',
      },
    ],
  };
  const preset: KafkaPluginOptions = { topics: [{ name: 'connect-status', preset: 'kafka-connect-status' }] };

  it.each([
    ['written out', written],
    ['as the preset', preset],
  ])('names a task <connector>/task-<n> and a connector by its name (%s)', async (_how, options) => {
    const out = await decode(options, [connect('status-task-my-connector-0', status('RUNNING')), connect('status-connector-my-connector', status('RUNNING'))]);
    expect(out.filter((o) => o.kind === 'system.state').map((o) => o.subject)).toEqual(['my-connector/task-0', 'my-connector']);
  });

  it('turns new states into changes, with the previous state tracked per system', async () => {
    const out = await decode(preset, [
      connect('status-task-orders-0', status('RUNNING')),
      connect('status-task-orders-1', status('RUNNING')),
      connect('status-task-orders-0', { ...status('FAILED'), trace: 'org.postgresql.util.PSQLException: Connection refused' }),
      connect('status-task-orders-0', status('RUNNING')),
    ]);
    const changes = out.filter((o) => o.kind === 'event').map((o) => [(o.data as { system: string }).system, (o.data as { payload: unknown }).payload]);
    expect(changes).toEqual([
      ['orders/task-0', { to: 'RUNNING', previousUnknown: true }],
      ['orders/task-1', { to: 'RUNNING', previousUnknown: true }],
      ['orders/task-0', { from: 'RUNNING', to: 'FAILED', detail: 'org.postgresql.util.PSQLException: Connection refused' }],
      ['orders/task-0', { from: 'FAILED', to: 'RUNNING' }],
    ]);
    const states = out.filter((o) => o.kind === 'system.state');
    expect(states.map((o) => o.data)).toEqual([
      { system: 'orders/task-0', state: 'RUNNING', previousUnknown: true, kind: 'kafka-connect' },
      { system: 'orders/task-1', state: 'RUNNING', previousUnknown: true, kind: 'kafka-connect' },
      { system: 'orders/task-0', state: 'FAILED', previous: 'RUNNING', kind: 'kafka-connect' },
      { system: 'orders/task-0', state: 'RUNNING', previous: 'FAILED', kind: 'kafka-connect' },
    ]);
    // The event comes first, then the state, both pointing at the same record.
    expect(out.map((o) => o.kind)).toEqual(Array(4).fill(['event', 'system.state']).flat());
    expect(out[4]!.ref).toEqual(out[5]!.ref);
  });

  it('records nothing for a state that repeats (a rebalance rewrites RUNNING with a new generation)', async () => {
    const out = await decode(preset, [connect('status-connector-c', status('RUNNING')), connect('status-connector-c', { ...status('RUNNING'), generation: 4 })]);
    expect(out).toHaveLength(2);
  });

  it('reads a tombstone as DESTROYED and skips the topic-tracking records, which carry no state', async () => {
    const out = await decode(preset, [
      connect('status-topic-orders:connector-c', { topic: { name: 'orders', connector: 'c', task: 0, discoverTimestamp: 1 } }),
      connect('status-connector-c', status('RUNNING')),
      connect('status-connector-c', null),
    ]);
    expect(out.filter((o) => o.kind === 'system.state').map((o) => (o.data as { state: string }).state)).toEqual(['RUNNING', 'DESTROYED']);
  });

  it('feeds core: readState sees the transitions, and the kafka-connect vocabulary classifies them', async () => {
    const out = await decode(preset, [connect('status-task-c-0', status('RUNNING')), connect('status-task-c-0', status('FAILED'))]);
    const observations = out.map((o, seq) => ({ ...o, seq, source: 'kafka', receivedAt: seq }) as Observation);
    expect(observations.map(readState)).toEqual([
      { system: 'c/task-0', state: 'RUNNING', event: true },
      { system: 'c/task-0', state: 'RUNNING', event: false },
      { system: 'c/task-0', state: 'FAILED', from: 'RUNNING', event: true },
      { system: 'c/task-0', state: 'FAILED', from: 'RUNNING', event: false },
    ]);
    const vocabularies = new SystemVocabularies();
    observations.forEach((o) => vocabularies.observe(o));
    expect([vocabularies.classify('c/task-0', 'FAILED'), vocabularies.classify('c/task-0', 'RUNNING'), vocabularies.classify('c/task-0', 'UNASSIGNED')]).toEqual([
      'failed',
      'healthy',
      'transitional',
    ]);
  });

  it('feeds timing: detection at the first unhealthy state after the fault, recovery at RUNNING after its end', async () => {
    const out = await decode(preset, [
      connect('status-task-c-0', status('RUNNING')),
      connect('status-task-c-0', status('FAILED')),
      connect('status-task-c-0', status('UNASSIGNED')),
      connect('status-task-c-0', status('RUNNING')),
    ]);
    // Two observations per change, received 1 s apart per change.
    const observations = out.map((o, seq) => ({ ...o, seq, source: 'kafka', receivedAt: Math.floor(seq / 2) * 1000 }) as Observation);
    const timings = new FaultTimings();
    observations.forEach((o) => timings.observe(o));
    expect(timings.detection({ startedAt: 500 }, 'c/task-0')?.ms).toBe(500);
    expect(timings.recovery({ endedAt: 2500 }, 'c/task-0')?.ms).toBe(500);
    expect(timings.healthyStates('c/task-0')).toEqual(['RUNNING']);
  });

  it('carries an own vocabulary for a kind tester does not know', async () => {
    const vocabulary = { healthy: ['UP'], failed: ['DOWN'] };
    const [, state] = await decode({ topics: [{ name: 't', states: { system: 'key', state: 'value' }, kind: 'my-db', vocabulary }] }, [record('"UP"', { key: 'db-1' })]);
    expect(state!.data).toMatchObject({ system: 'db-1', state: 'UP', kind: 'my-db', vocabulary });
  });

  it('is what the preset says', () => {
    const config = parseKafkaConfig(preset);
    expect(config.plans[0]).toMatchObject({ mode: 'states', kind: 'kafka-connect', when: { source: KAFKA_CONNECT_STATUS.when } });
  });
});

describe('CloudEvents', () => {
  const ce = { specversion: '1.0', type: 'com.example.connection.lost', source: '/control-plane', id: 'ce-1', time: '2026-01-01T00:00:05Z', subject: 'mysql', data: { error: 'ECONNRESET' } };
  const binaryHeaders = { ce_specversion: '1.0', ce_type: ce.type, ce_source: ce.source, ce_id: ce.id, ce_time: ce.time, ce_subject: ce.subject, 'content-type': 'application/json' };
  const expected = { type: ce.type, system: 'mysql', id: 'ce-1', timestamp: ce.time, payload: { error: 'ECONNRESET' } };

  it.each([
    ['structured (the value is the event)', record(ce, { topic: 'ce' })],
    ['binary (ce_ headers, the value is the data)', record(ce.data, { topic: 'ce', headers: binaryHeaders })],
  ])('maps type, id, subject, time and data, %s', async (_mode, r) => {
    const [obs] = await decode({ topics: [{ name: 'ce', preset: 'cloudevents' }] }, [r]);
    expect(obs).toMatchObject({ kind: 'event', subject: ce.type, sourceTime: Date.parse(ce.time), data: expected });
  });

  it('takes the system from the source when told to, or when an event has no subject', async () => {
    const { subject: _, ...noSubject } = ce;
    const bySource = await decode({ topics: [{ name: 'ce', preset: 'cloudevents', cloudevents: { system: 'source' } }] }, [record(ce, { topic: 'ce' })]);
    const fallback = await decode({ topics: [{ name: 'ce', preset: 'cloudevents' }] }, [record(noSubject, { topic: 'ce' })]);
    expect([bySource[0]!.data, fallback[0]!.data]).toMatchObject([{ system: '/control-plane' }, { system: '/control-plane' }]);
  });

  it('lets a field be overridden, with the event under `ce`, and extensions as attributes', async () => {
    const [obs] = await decode({ topics: [{ name: 'ce', preset: 'cloudevents', events: { correlationId: 'ce.traceparent', type: '$uppercase($split(ce.type, ".")[-1])' } }] }, [
      record(ce.data, { topic: 'ce', headers: { ...binaryHeaders, ce_traceparent: '00-abc-01' } }),
    ]);
    expect(obs!.data).toMatchObject({ type: 'LOST', correlationId: '00-abc-01' });
  });

  it('maps a states topic of CloudEvents', async () => {
    const out = await decode({ topics: [{ name: 'ce', preset: 'cloudevents', states: { state: 'ce.data.state' } }] }, [
      record({ ...ce, data: { state: 'DISCONNECTED' } }, { topic: 'ce' }),
    ]);
    expect(out[1]).toMatchObject({ kind: 'system.state', data: { system: 'mysql', state: 'DISCONNECTED', previousUnknown: true, since: ce.time } });
  });

  it.each([
    ['a value that is no CloudEvent', record({ type: 'X' }, { topic: 'ce' }), /topics\[0\] \(preset cloudevents\): not a CloudEvent: no ce_specversion header/],
    ['a structured event without id', record({ ...ce, id: undefined }, { topic: 'ce' }), /CloudEvent \(structured mode\) without "id": it is required/],
    ['a binary event without ce_source', record('x', { topic: 'ce', headers: { ce_specversion: '1.0', ce_type: 't', ce_id: '1' } }), /CloudEvent \(binary mode\) without header ce_source/],
  ])('records %s as a decode error', async (_what, r, error) => {
    const [obs] = await decode({ topics: [{ name: 'ce', preset: 'cloudevents' }] }, [r]);
    expect(obs).toMatchObject({ kind: 'event.decode-error', subject: 'ce', data: { error: expect.stringMatching(error) } });
  });
});

describe('records that do not map are decode errors, with their place', () => {
  it.each([
    ['a query that fails', { type: '$number(value.n)' }, { n: 'abc' }, /^topics\[0\]\.events\.type: the JSONata query failed at column \d+ .*Unable to cast value to a number.* \(query: \$number\(value\.n\)\)$/],
    ['a type of the wrong shape', { type: 'value' }, { a: 1 }, /^topics\[0\]\.events\.type: expected a string, got a mapping$/],
    ['a list where one value is expected', { type: 'value.t' }, { t: ['A', 'B'] }, /^topics\[0\]\.events\.type: expected a string, got a list of 2$/],
    ['a type the query does not find', { type: 'value.kind' }, { type: 'X' }, /^topics\[0\]\.events\.type: expected a non-empty string, got nothing/],
    ['a timestamp that is no time', { type: '"X"', timestamp: 'value.at' }, { at: 'yesterday' }, /^topics\[0\]\.events\.timestamp: expected epoch milliseconds or an ISO 8601 time, got string "yesterday"$/],
  ])('%s', async (_what, events, value, error) => {
    const r = record(value, { key: 'k1' });
    const [obs] = await decode({ topics: [{ name: 't', events }] }, [r]);
    expect(obs).toEqual({
      kind: 'event.decode-error',
      subject: 't',
      sourceTime: 1_700_000_000_000,
      data: { error: expect.stringMatching(error), raw: JSON.stringify(value) },
      ref: expect.objectContaining({ type: 'kafka', topic: 't', partition: 0, offset: r.offset, key: 'k1' }),
    });
  });

  it('a states record without its state, and one whose condition fails, each a decode error', async () => {
    const out = await decode(
      { topics: [{ name: 'connect-status', when: '$contains(key, /^status-/)', states: { system: 'key', state: 'value.state' } }] },
      [connect('status-x', { status: 'RUNNING' }), record('x', { topic: 'connect-status' })],
    );
    expect(out.map((o) => (o.data as { error: string }).error)).toEqual([
      expect.stringMatching(/^topics\[0\]\.states\.state: expected a non-empty string, got nothing/),
      expect.stringMatching(/^topics\[0\]\.when: the JSONata query failed at column \d+ near "contains": Argument 1 of function "contains" does not match/),
    ]);
  });

  it('cuts the excerpt of a long value', async () => {
    const [obs] = await decode({ topics: [{ name: 't', events: { type: 'value.nope' } }] }, [record('y'.repeat(5000))]);
    expect((obs!.data as { raw: string }).raw).toBe(`${'y'.repeat(512)}…`);
  });
});

describe('mapping config', () => {
  const invalid = (options: KafkaPluginOptions): string => {
    try {
      parseKafkaConfig(options);
    } catch (error) {
      expect(error).toBeInstanceOf(TesterError);
      expect((error as TesterError).code).toBe('CONFIG_INVALID');
      return (error as Error).message;
    }
    throw new Error('expected CONFIG_INVALID');
  };

  it('keeps plain names as they were', () => {
    expect(parseKafkaConfig({ topics: ['control-plane.events', 'b'] }).plans).toEqual([
      { name: 'control-plane.events', mode: 'contract' },
      { name: 'b', mode: 'contract' },
    ]);
  });

  it('refuses a query that does not compile, with its place and column', () => {
    expect(invalid({ topics: ['a', { name: 'b', states: { system: 'key', state: 'value.(' } }] })).toMatch(
      /^@tester\/observer-kafka config topics\[1\]\.states\.state: the JSONata query does not compile at column 7 near "\(end\)": Expected "\)" before end of expression \[S0203\]\n {2}query: value\.\(/,
    );
  });

  it.each([
    [{ topics: [{ name: 'a', preset: 'avro' }] }, /topics\[0\]\.preset: expected one of "control-plane", "cloudevents", "kafka-connect-status"/],
    [{ topics: [{ name: 'a', events: { type: 'x' }, states: { state: 'y' } }] }, /topics\[0\]\.states: a topic maps either events or states, not both/],
    [{ topics: [{ name: 'a', kind: 'kafka-connect' }] }, /topics\[0\]\.kind: kind and vocabulary apply to a states topic/],
    [{ topics: [{ name: 'a', states: {}, kind: 'mystery' }] }, /topics\[0\]\.kind: unknown kind "mystery": built-in kinds are control-plane, kafka-connect/],
    [{ topics: [{ name: 'a', states: {}, vocabulary: { failed: ['X'] } }] }, /vocabulary: expected \{ healthy: \[states\.\.\.\]/],
    [{ topics: [{ name: 'a', preset: 'cloudevents', states: {} }] }, /topics\[0\]\.states\.state: a states topic needs state: a JSONata query giving the system's new state/],
    [{ topics: [{ name: 'a', cloudevents: { system: 'source' } }] }, /topics\[0\]\.cloudevents: cloudevents applies to preset: cloudevents/],
    [{ topics: [{ name: 'a', events: { typ: 'x' } }] }, /topics\[0\]\.events.*typ/],
    [{ topics: ['a', { name: 'a' }] }, /topics\[1\]: topic "a" is listed twice \(also topics\[0\]\)/],
    [{ topics: [{ name: 'a', events: { type: '' } }] }, /topics\[0\]\.events\.type: expected a JSONata query/],
  ])('refuses %j', (options, message) => {
    expect(invalid(options as KafkaPluginOptions)).toMatch(message);
  });
});
