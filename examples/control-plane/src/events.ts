import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Metrics } from './metrics.js';

/** Event types the control plane publishes (TEAM.md / DESIGN.md). */
export type EventType =
  | 'STATE_CHANGED'
  | 'CONNECTION_LOST'
  | 'CONNECTION_RESTORED'
  | 'CHAOS_STARTED'
  | 'CHAOS_ENDED'
  | 'POLICY_TRIGGERED'
  | 'POLICY_SUCCEEDED'
  | 'POLICY_FAILED'
  | 'DRIFT_DETECTED'
  | 'DRIFT_RECONCILED';

/** The JSON value of every Kafka message; the message key is `system`. */
export interface ControlPlaneEvent {
  id: string;
  type: EventType;
  system: string;
  timestamp: string;
  correlationId: string | null;
  payload: Record<string, unknown>;
}

/**
 * Publishes events to one topic with an idempotent producer, strictly in the order they happened: one send at
 * a time, so per-key (per-system) order on a partition is the order of the changes. A send that fails is retried
 * until it goes through or the publisher is closed, so a broker restart delays events instead of losing them.
 */
export class EventPublisher {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Number of events handed to Kafka and acknowledged. */
  published = 0;

  constructor(
    private readonly opts: {
      bootstrap: string;
      topic: string;
      metrics: Metrics;
      duplicate: boolean;
      drop: (type: EventType) => boolean;
      log: (line: string) => void;
    },
  ) {
    // Retries stay at most 2 s apart (kafkajs's default grows to 30 s), so events flow again soon after a broker
    // comes back; `send` below retries without end on top of this.
    this.kafka = new Kafka({
      clientId: 'control-plane',
      brokers: [opts.bootstrap],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 6, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  /** Creates the topic (3 partitions; fine when it exists) and connects the producer. */
  async start(deadlineMs = 30_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // kafkajs's own `waitForLeaders` fails with UNKNOWN_TOPIC_OR_PARTITION when several topics are created
      // at once on a fresh KRaft broker (metadata not yet propagated); so create, then poll the metadata.
      await admin.createTopics({ topics: [{ topic: this.opts.topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: false });
      for (;;) {
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [this.opts.topic] });
          const partitions = topics[0]?.partitions ?? [];
          if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) break;
        } catch (error) {
          if (Date.now() > until) throw error;
        }
        if (Date.now() > until) throw new Error(`kafka: topic ${this.opts.topic} has no leader for every partition after ${deadlineMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  /** Queues an event; returns it (with its id) at once. */
  publish(type: EventType, system: string, payload: Record<string, unknown>, correlationId: string | null): ControlPlaneEvent {
    const event: ControlPlaneEvent = { id: randomUUID(), type, system, timestamp: new Date().toISOString(), correlationId, payload };
    if (this.opts.drop(type)) return event;
    const copies = this.opts.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i += 1) this.queue = this.queue.then(() => this.send(event));
    return event;
  }

  /** Resolves once everything queued so far was acknowledged (or `timeoutMs` passed). */
  async flush(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  async close(timeoutMs = 3000): Promise<void> {
    await this.flush(timeoutMs);
    this.closed = true;
    await this.producer?.disconnect().catch(() => {});
  }

  private async send(event: ControlPlaneEvent): Promise<void> {
    let backoff = 200;
    while (!this.closed) {
      try {
        if (!this.producer) throw new Error('producer not started');
        await this.producer.send({ topic: this.opts.topic, messages: [{ key: event.system, value: JSON.stringify(event) }] });
        this.published += 1;
        this.opts.metrics.eventsPublished.inc({ type: event.type });
        return;
      } catch (error) {
        this.opts.log(`kafka: publishing ${event.type} for ${event.system} failed (${(error as Error).message}); retrying in ${backoff} ms`);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }
}
