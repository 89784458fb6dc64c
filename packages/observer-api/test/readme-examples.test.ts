/**
 * The README's JSONata examples, read from the README itself, do what it says on Kafka Connect's shapes: the
 * documentation cannot drift from what the observer does.
 */
import { readFileSync } from 'node:fs';
import { ObservationKinds, type SystemStateData } from '@tester/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { type ApiOptions } from '../src/index';
import { h, server, startApi } from './json-session';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** The README's YAML block that contains `marker`, parsed. */
function block(marker: string): Record<string, unknown> {
  const found = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes(marker));
  expect(found, `one yaml block with ${marker}`).toHaveLength(1);
  return parse(found[0]!) as Record<string, unknown>;
}

const TRACE = 'org.apache.kafka.connect.errors.ConnectException: boom';
const STATUS = {
  name: 'pg-source',
  connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' },
  tasks: [{ id: 0, state: 'FAILED', worker_id: '127.0.0.1:8083', trace: TRACE }],
  type: 'source',
};

async function states(options: ApiOptions): Promise<SystemStateData[]> {
  const session = await startApi({ ...options, baseUrl: server.url, poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '3s' } });
  await session.ready();
  await session.barrier(h.clock.now(), h.controller.signal);
  return h.timeline
    .query({ kind: ObservationKinds.systemState })
    .map((o) => o.data as SystemStateData)
    .sort((a, b) => a.system.localeCompare(b.system));
}

describe('the README examples', () => {
  it('the map of connectors: the connector and each task as systems, kind kafka-connect, the trace as detail', async () => {
    server.json('/connectors?expand=status', { 'pg-source': { status: STATUS } });
    const api = block('name: connectors').api as ApiOptions;
    expect(await states(api)).toEqual([
      { system: 'pg-source', state: 'RUNNING', kind: 'kafka-connect' },
      { system: 'pg-source/task-0', state: 'FAILED', kind: 'kafka-connect', detail: TRACE },
    ]);
  });

  it('one object per URL, the names read from GET /connectors', async () => {
    server.json('/connectors', ['pg-source']);
    server.json('/connectors/pg-source/status', STATUS);
    const { resources } = block('name: connector-status') as Pick<ApiOptions, 'resources'>;
    expect(await states({ resources })).toEqual([
      { system: 'pg-source', state: 'RUNNING', kind: 'kafka-connect' },
      { system: 'pg-source/task-0', state: 'FAILED', kind: 'kafka-connect', detail: TRACE },
    ]);
  });

  it('fields.systems.query turns a map of nodes into the systems list', async () => {
    server.json('/api/v1/systems', { nodes: { a: { phase: 'CONNECTED', changedAt: '2026-01-01T00:00:00Z' }, b: { phase: 'DISCONNECTED' } } });
    const api = block('fields:\n    systems:\n      query:').api as ApiOptions;
    expect(await states({ ...api, observe: { systems: true, policies: false, chaos: false, drift: false, reconciliations: false } })).toEqual([
      { system: 'a', state: 'CONNECTED', since: '2026-01-01T00:00:00Z' },
      { system: 'b', state: 'DISCONNECTED' },
    ]);
  });
});
