/** Helpers for the tests that drive the real control plane. */
import { randomBytes } from 'node:crypto';
import type { EventData } from '@tester/core';
import { expect } from 'vitest';
import type { Harness } from './harness';
import { highWatermarks } from './kafka-helpers';

export type KafkaEvent = { data: EventData; ref: { partition: number; offset: string } };
export const eventsOf = (h: Harness, correlationId: string) =>
  h.observations.filter((o) => o.kind === 'event' && (o.data as EventData).correlationId === correlationId) as unknown as KafkaEvent[];

/** `true` when `wanted` appears in `types` in this order (other types may come between). */
export function inOrder(types: string[], wanted: string[]): boolean {
  let at = 0;
  for (const t of types) if (t === wanted[at]) at += 1;
  return at === wanted.length;
}

export async function injectConnectionLoss(baseUrl: string, system: string, runId: string, seconds: number): Promise<string> {
  const id = `okafka-${randomBytes(6).toString('hex')}`;
  const response = await fetch(`${baseUrl}/api/v1/chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tester-run': runId },
    body: JSON.stringify({ id, system, fault: 'CONNECTION_LOSS', duration: seconds }),
  });
  expect(response.status).toBe(201);
  return id;
}

/** Every partition's recorded offsets are exactly [start, high watermark): nothing missing, nothing twice, in order. */
export async function expectContiguous(h: Harness, bootstrap: string, topic: string): Promise<void> {
  for (const [partition, high] of await highWatermarks(bootstrap, topic)) {
    const offsets = h.observations
      .filter((o) => o.ref.type === 'kafka' && o.ref.topic === topic && o.ref.partition === partition)
      .map((o) => (o.ref.type === 'kafka' ? Number(o.ref.offset) : -1));
    if (offsets.length === 0) continue;
    const first = offsets[0]!;
    expect(offsets, `partition ${partition}`).toEqual(Array.from({ length: high - first }, (_, i) => first + i));
  }
}


/** Event types, with STATE_CHANGED's target state: `STATE_CHANGED:CONNECTED`. */
export const typesOf = (events: KafkaEvent[]) =>
  events.map((e) => (e.data.type === 'STATE_CHANGED' ? `STATE_CHANGED:${(e.data.payload as { to: string }).to}` : e.data.type));
