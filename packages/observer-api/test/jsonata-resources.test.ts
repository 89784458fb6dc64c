/**
 * `resources`: a third-party system's own JSON (Kafka Connect's shapes: a map of connectors with their tasks, one
 * status object per URL, a list) mapped onto `system.state` by JSONata, and what happens when the mapping does not
 * fit the body: the resource cannot be read, so the source is blind with the URL, the field and the query.
 */
import { ObservationKinds, type CatalogData, type ObserverSession, type SystemStateData } from '@tester/core';
import { eventually } from '@tester/core/testing';
import { describe, expect, it } from 'vitest';
import { type ApiOptions } from '../src/index';
import { FakeControlPlane } from './fake-control-plane';
import { h, server, startApi } from './json-session';

const start = (options: ApiOptions, baseUrl = server.url) =>
  startApi({ baseUrl, poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '3s' }, requestTimeout: '3s', ...options });
const poll = (s: ObserverSession) => s.barrier(h.clock.now(), h.controller.signal);
const states = () => h.timeline.query({ kind: ObservationKinds.systemState }).map((o) => `${o.subject}:${(o.data as SystemStateData).state}`);
const latest = (system: string) => h.timeline.latest({ kind: ObservationKinds.systemState, subject: system })?.data as (SystemStateData & { detail?: unknown }) | undefined;
const catalog = () => (h.timeline.latest({ kind: ObservationKinds.catalog })?.data as CatalogData | undefined)?.ids;

/** Kafka Connect's `GET /connectors?expand=status`: a map keyed by connector name. */
function connectors(tasks: Record<string, string[]>, connector: Record<string, string> = {}) {
  return Object.fromEntries(
    Object.entries(tasks).map(([name, states]) => [
      name,
      {
        status: {
          name,
          connector: { state: connector[name] ?? 'RUNNING', worker_id: '127.0.0.1:8083' },
          tasks: states.map((state, id) => ({ id, state, worker_id: '127.0.0.1:8083', ...(state === 'FAILED' ? { trace: 'org.apache.kafka.connect.errors.ConnectException: boom' } : {}) })),
          type: 'source',
        },
      },
    ]),
  );
}

/** A connector and each of its tasks as separate systems, from the map (the README's example). */
const CONNECT_STATES = `
$each($, function($c, $name) {[
  { "system": $name, "state": $c.status.connector.state },
  $c.status.tasks.{ "system": $name & "/task-" & id, "state": state, "detail": trace }
]})`;

describe('resources mapped by JSONata', () => {
  it('reads a map of connectors with nested tasks as systems name and name/task-N, tagged with the kind', async () => {
    server.json('/connectors?expand=status', connectors({ 'pg-source': ['RUNNING', 'RUNNING'], audit: [] }, { audit: 'PAUSED' }));
    const s = await start({ resources: [{ name: 'connectors', get: '/connectors?expand=status', kind: 'kafka-connect', states: CONNECT_STATES }] });
    await s.ready();
    await poll(s);
    expect(states().sort()).toEqual(['audit:PAUSED', 'pg-source/task-0:RUNNING', 'pg-source/task-1:RUNNING', 'pg-source:RUNNING']);
    expect(catalog()).toEqual(['audit', 'pg-source', 'pg-source/task-0', 'pg-source/task-1']);
    expect(latest('pg-source/task-1')).toMatchObject({ system: 'pg-source/task-1', state: 'RUNNING', kind: 'kafka-connect' });

    server.json('/connectors?expand=status', connectors({ 'pg-source': ['RUNNING', 'FAILED'], audit: [] }, { audit: 'PAUSED' }));
    await poll(s);
    await poll(s);
    // Only the change is recorded, with the previous state and the task's trace as detail.
    expect(states().slice(4)).toEqual(['pg-source/task-1:FAILED']);
    expect(latest('pg-source/task-1')).toMatchObject({ state: 'FAILED', previous: 'RUNNING', kind: 'kafka-connect', detail: expect.stringMatching(/^org\.apache\.kafka\.connect\.errors\.ConnectException/) });
    const o = h.timeline.latest({ kind: ObservationKinds.systemState, subject: 'pg-source/task-1' })!;
    expect(o.ref).toMatchObject({ type: 'http', method: 'GET', url: `${server.url}/connectors?expand=status`, status: 200 });
    expect(h.blindness.blind).toBe(false);
  });

  it('reads a list, with an own vocabulary; one item and no item are lists too', async () => {
    server.json('/v1/jobs', [{ name: 'nightly', status: { phase: 'Running', since: '2026-01-01T00:00:00Z' } }]);
    const vocabulary = { healthy: ['Running'], transitional: ['Pending'], failed: ['Failed'] };
    const s = await start({ resources: [{ name: 'jobs', get: '/v1/jobs', kind: 'batch', vocabulary, states: '$.{ "system": name, "state": status.phase, "since": status.since }' }] });
    await s.ready();
    await poll(s);
    expect(latest('nightly')).toMatchObject({ state: 'Running', kind: 'batch', vocabulary, since: '2026-01-01T00:00:00Z' });
    expect(h.timeline.latest({ kind: ObservationKinds.systemState, subject: 'nightly' })!.sourceTime).toBe(Date.parse('2026-01-01T00:00:00Z'));
    server.json('/v1/jobs', []);
    await poll(s);
    await poll(s);
    expect(catalog()).toEqual([]);
    expect(h.blindness.blind).toBe(false);
  });

  it('reads one object per URL for a listed set of items, URI-encoding each into {item}', async () => {
    const status = (name: string, task: string) => ({ name, connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: task }] });
    server.json('/connectors/pg-source/status', status('pg-source', 'RUNNING'));
    server.json('/connectors/my%20sink%2Fv2/status', status('my sink/v2', 'UNASSIGNED'));
    const s = await start({
      resources: [
        {
          name: 'status',
          get: '/connectors/{item}/status',
          each: ['pg-source', 'my sink/v2'],
          kind: 'kafka-connect',
          states: '[{ "system": $item, "state": connector.state }, tasks.{ "system": $item & "/task-" & id, "state": state }]',
        },
      ],
    });
    await s.ready();
    await poll(s);
    expect(states().sort()).toEqual(['my sink/v2/task-0:UNASSIGNED', 'my sink/v2:RUNNING', 'pg-source/task-0:RUNNING', 'pg-source:RUNNING']);
    expect(h.timeline.latest({ kind: ObservationKinds.systemState, subject: 'my sink/v2/task-0' })!.ref).toMatchObject({ url: `${server.url}/connectors/my%20sink%2Fv2/status` });
  });

  it('reads one object per URL for the items a list resource yields at each poll', async () => {
    const names = ['pg-source'];
    server.routes.set('/connectors', () => ({ json: names }));
    server.json('/connectors/pg-source/status', { name: 'pg-source', connector: { state: 'RUNNING' }, tasks: [] });
    server.json('/connectors/audit/status', { name: 'audit', connector: { state: 'PAUSED' }, tasks: [] });
    const s = await start({
      resources: [{ name: 'status', get: '/connectors/{item}/status', each: { get: '/connectors', items: '$' }, kind: 'kafka-connect', states: '{ "system": name, "state": connector.state }' }],
    });
    await s.ready();
    await poll(s);
    expect(states()).toEqual(['pg-source:RUNNING']);
    names.push('audit');
    await poll(s);
    await poll(s);
    expect(states()).toEqual(['pg-source:RUNNING', 'audit:PAUSED']);
    expect(catalog()).toEqual(['audit', 'pg-source']);
    expect(server.requests).toContain('/connectors/audit/status');
  });

  it('merges the catalog with the built-in systems, and keeps it while a resource that lists systems fails', async () => {
    const cp = await new FakeControlPlane().start();
    try {
      server.json('/connectors?expand=status', connectors({ 'pg-source': ['RUNNING'] }));
      const s = await start({
        observe: { systems: true },
        resources: [{ name: 'connectors', get: `${server.url}/connectors?expand=status`, kind: 'kafka-connect', states: CONNECT_STATES }],
      }, cp.url);
      await s.ready();
      await poll(s);
      expect(catalog()).toEqual(['mysql', 'mysql-2', 'pg-source', 'pg-source/task-0']);
      const catalogs = h.timeline.query({ kind: ObservationKinds.catalog }).length;
      server.routes.set('/connectors?expand=status', { status: 500, text: '{"error_code":500}' });
      await eventually(() => h.blindness.blind, 5000, 'blind');
      cp.setState('mysql-3', 'CONNECTED');
      await eventually(() => latest('mysql-3') !== undefined, 5000, 'mysql-3 seen while connectors fail');
      // The catalog is not rewritten without pg-source while its resource cannot be read.
      expect(h.timeline.query({ kind: ObservationKinds.catalog })).toHaveLength(catalogs);
      expect(h.blindness.events[0]).toMatch(/^blind: GET http:\/\/127\.0\.0\.1:\d+\/connectors\?expand=status -> 500/);
    } finally {
      await cp.stop();
    }
  });

  it('maps a built-in resource with fields.<resource>.query', async () => {
    const cp = await new FakeControlPlane().start();
    try {
      const s = await start({ fields: { systems: { query: '$[id = "mysql-2"].{ "id": id, "state": $lowercase(state) }' } }, observe: { policies: false, chaos: false, drift: false, reconciliations: false } }, cp.url);
      await s.ready();
      await poll(s);
      expect(states()).toEqual(['mysql-2:connected']);
      expect(catalog()).toEqual(['mysql-2']);
    } finally {
      await cp.stop();
    }
  });
});

describe('decode failures: the resource cannot be read', () => {
  const URL_OF = (path: string) => `GET ${server.url}${path}`.replace(/[.?*+()[\]]/g, '\\$&');

  it.each([
    ['a wrong field', '$each($, function($c, $name) { { "system": $name, "state": $c.status.connectr.state } })', /api\.resources\[0\]\.states \(resource connectors\) yielded no state in item 0 \{"system":"pg-source"\}; expected a list of \{ system, state, since\?, detail\? \}.*query: \$each\(/],
    ['a value that is not a list of objects', '$keys($)', /api\.resources\[0\]\.states \(resource connectors\) yielded "pg-source" as item 0/],
    ['a number for the state', '$each($, function($c, $name) { { "system": $name, "state": $count($c.status.tasks) } })', /yielded state 1 in item 0/],
    ['the same system twice', '$each($, function($c) { { "system": "x", "state": $c.status.connector.state } })', /yielded system "x" twice/],
    ['an error while evaluating', '$each($, function($c, $name) { { "system": $name, "state": $number($c.status.connector.state) } })', /api\.resources\[0\]\.states: the JSONata query failed at column \d+.*Unable to cast value to a number.*; query: \$each/],
  ])('%s makes the source blind with the URL, the field and the query', async (_what, query, reason) => {
    server.json('/connectors?expand=status', connectors({ 'pg-source': ['RUNNING'], other: [] }));
    server.json('/good', connectors({ 'pg-source': ['RUNNING'] }));
    const s = await start({ resources: [{ name: 'connectors', get: '/connectors?expand=status', states: query }], poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '1s' } });
    await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY' });
    expect(h.blindness.events[0]).toMatch(new RegExp(`^blind: ${URL_OF('/connectors?expand=status')}: `));
    expect(h.blindness.events[0]).toMatch(reason);
    expect(h.blindness.events[0]).not.toContain('\n');
    expect(h.timeline.query({ kind: ObservationKinds.systemState })).toEqual([]);
  });

  it('a body that stops fitting the query blinds the source until it fits again', async () => {
    server.json('/connectors?expand=status', connectors({ 'pg-source': ['RUNNING'] }));
    const s = await start({ resources: [{ name: 'connectors', get: '/connectors?expand=status', kind: 'kafka-connect', states: CONNECT_STATES }] });
    await s.ready();
    server.json('/connectors?expand=status', { 'pg-source': { status: { name: 'pg-source', connector: { phase: 'RUNNING' }, tasks: [] } } });
    await eventually(() => h.blindness.blind, 5000, 'blind');
    expect(h.blindness.events[0]).toMatch(/connectors\?expand=status: api\.resources\[0\]\.states \(resource connectors\) yielded no state in item 0/);
    server.json('/connectors?expand=status', connectors({ 'pg-source': ['RUNNING'] }));
    await eventually(() => !h.blindness.blind, 5000, 'sighted');
  });

  it('a per-URL item that answers 404 blinds the source with its URL', async () => {
    server.json('/connectors', ['gone']);
    const s = await start({
      resources: [{ name: 'status', get: '/connectors/{item}/status', each: { get: '/connectors', items: '$' }, states: '{ "system": name, "state": connector.state }' }],
      poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '1s' },
    });
    await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY' });
    expect(h.blindness.events[0]).toMatch(/^blind: GET http:\/\/127\.0\.0\.1:\d+\/connectors\/gone\/status -> 404/);
  });

  it('each.items that yields no list of names blinds the source', async () => {
    server.json('/connectors', { a: 1 });
    const s = await start({
      resources: [{ name: 'status', get: '/connectors/{item}/status', each: { get: '/connectors', items: '$' }, states: '{ "system": name, "state": connector.state }' }],
      poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '1s' },
    });
    await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY' });
    expect(h.blindness.events[0]).toMatch(/\/connectors: api\.resources\[0\]\.each\.items \(resource status\) yielded \{"a":1\} as an item; expected a list of item names/);
  });

  it('a fields query that yields no list blinds the source', async () => {
    const cp = await new FakeControlPlane().start();
    try {
      const s = await start({ fields: { systems: { query: '$count($)' } }, observe: { policies: false, chaos: false, drift: false, reconciliations: false }, poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '1s' } }, cp.url);
      await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY' });
      expect(h.blindness.events[0]).toMatch(/\/api\/v1\/systems: api\.fields\.systems\.query yielded 2, expected a list of items\. Fix the query; query: \$count\(\$\)/);
    } finally {
      await cp.stop();
    }
  });
});
