import { describe, expect, it } from 'vitest';
import type { Observation } from './observation';
import {
  classifyState,
  DEFAULT_STATE_VOCABULARY,
  isStateVocabulary,
  KAFKA_CONNECT_STATE_VOCABULARY,
  readState,
  stateVocabulary,
  STATE_VOCABULARIES,
  SystemVocabularies,
} from './state-vocabulary';

let seq = 0;
const obs = (source: string, kind: string, data: unknown, subject?: string): Observation => ({
  seq: ++seq,
  source,
  kind,
  ...(subject === undefined ? {} : { subject }),
  receivedAt: seq,
  data,
  ref: { type: 'custom', summary: 't' },
});

describe('state vocabularies', () => {
  it("the default is the reference control plane's: DEGRADED is degraded (at rest), RECOVERING transitional", () => {
    expect(['CONNECTED', 'DEGRADED', 'RECOVERING', 'DISCONNECTED', 'UNKNOWN'].map((s) => classifyState(s))).toEqual([
      'healthy',
      'degraded',
      'transitional',
      'failed',
      undefined,
    ]);
    expect(stateVocabulary('control-plane')).toBe(DEFAULT_STATE_VOCABULARY);
  });

  it('Kafka Connect is a preset: RUNNING healthy, UNASSIGNED/RESTARTING transitional, PAUSED paused, FAILED failed', () => {
    expect(stateVocabulary('kafka-connect')).toBe(KAFKA_CONNECT_STATE_VOCABULARY);
    expect(['RUNNING', 'UNASSIGNED', 'RESTARTING', 'PAUSED', 'STOPPED', 'FAILED', 'CONNECTED'].map((s) => classifyState(s, KAFKA_CONNECT_STATE_VOCABULARY))).toEqual([
      'healthy',
      'transitional',
      'transitional',
      'paused',
      'paused',
      'failed',
      undefined,
    ]);
    expect(stateVocabulary('kafka-conect')).toBeUndefined();
    expect(stateVocabulary('toString')).toBeUndefined();
    expect(Object.keys(STATE_VOCABULARIES)).toEqual(['control-plane', 'kafka-connect']);
    expect(Object.isFrozen(KAFKA_CONNECT_STATE_VOCABULARY.healthy)).toBe(true);
  });

  it('checks the shape of a vocabulary an observer carries', () => {
    expect(isStateVocabulary({ healthy: ['UP'], failed: ['DOWN'] })).toBe(true);
    expect(isStateVocabulary({ healthy: [] })).toBe(false);
    expect(isStateVocabulary({ healthy: ['UP'], failed: 'DOWN' })).toBe(false);
    expect(isStateVocabulary(['UP'])).toBe(false);
  });
});

describe('readState', () => {
  it('reads a system.state from any source, and a STATE_CHANGED event with payload.to (from optional)', () => {
    expect(readState(obs('acme', 'system.state', { system: 'c1', state: 'RUNNING', previous: 'UNASSIGNED' }))).toEqual({ system: 'c1', state: 'RUNNING', from: 'UNASSIGNED', event: false });
    expect(readState(obs('acme', 'system.state', { state: 'RUNNING' }, 'c1'))).toEqual({ system: 'c1', state: 'RUNNING', event: false });
    expect(readState(obs('bus', 'event', { type: 'STATE_CHANGED', system: 'c1', payload: { to: 'FAILED' } }))).toEqual({ system: 'c1', state: 'FAILED', event: true });
    expect(readState(obs('bus', 'event', { type: 'STATE_CHANGED', system: 'c1', payload: { from: 'RUNNING', to: 'FAILED' } }))).toMatchObject({ from: 'RUNNING' });
    for (const o of [
      obs('bus', 'event', { type: 'STATE_CHANGED', system: 'c1', payload: { from: 'RUNNING' } }),
      obs('bus', 'event', { type: 'STATE_CHANGED', payload: { to: 'FAILED' } }),
      obs('bus', 'event', { type: 'CONNECTION_LOST', system: 'c1', payload: { to: 'FAILED' } }),
      obs('acme', 'system.state', { system: 'c1' }),
      obs('acme', 'policy.execution', { system: 'c1', state: 'RUNNING' }),
    ])
      expect(readState(o)).toBeUndefined();
  });
});

describe('SystemVocabularies', () => {
  it('learns each system\'s vocabulary from the kind or vocabulary its observations carry; untagged ones keep it', () => {
    const v = new SystemVocabularies();
    expect(v.of('c1')).toEqual({ kind: 'control-plane', vocabulary: DEFAULT_STATE_VOCABULARY });
    v.observe(obs('acme', 'system.state', { system: 'c1', state: 'UNASSIGNED', kind: 'kafka-connect' }));
    v.observe(obs('other', 'system.state', { system: 'c1', state: 'RUNNING' }));
    expect(v.of('c1').kind).toBe('kafka-connect');
    expect(v.classify('c1', 'RESTARTING')).toBe('transitional');
    expect(v.classify('mysql', 'RECOVERING')).toBe('transitional');
    v.observe(obs('acme', 'system.state', { system: 'db', state: 'UP', kind: 'acme-db', vocabulary: { healthy: ['UP'], transitional: ['STARTING'], failed: ['DOWN'] } }));
    expect(v.of('db').kind).toBe('acme-db');
    expect(v.classify('db', 'STARTING')).toBe('transitional');
    // A kind tester does not know, without a vocabulary, reads with the default; a malformed vocabulary is ignored.
    v.observe(obs('acme', 'system.state', { system: 'x', state: 'CONNECTED', kind: 'mystery', vocabulary: { healthy: 'UP' } }));
    expect(v.of('x')).toEqual({ kind: 'mystery', vocabulary: DEFAULT_STATE_VOCABULARY });
  });
});
