/** Real-broker helpers for the tests: random topics, a producer, the shared broker's address. */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

/** The shared stack's broker (the Vitest global setup exports it). */
export function sharedBootstrap(): string {
  const bootstrap = process.env.TESTER_KAFKA_BOOTSTRAP;
  if (!bootstrap) throw new Error('TESTER_KAFKA_BOOTSTRAP is not set: run through vitest (its globalSetup starts the stack)');
  return bootstrap;
}

export const randomTopic = (prefix = 'okafka-test') => `${prefix}-${randomBytes(5).toString('hex')}`;

const client = (bootstrap: string) =>
  new Kafka({ brokers: [bootstrap], clientId: 'observer-kafka-test', logLevel: logLevel.NOTHING, retry: { retries: 10, maxRetryTime: 1000 } });

export async function createTopic(bootstrap: string, topic: string, partitions = 3): Promise<void> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    // Not waitForLeaders: on a fresh KRaft broker kafkajs fails it when several clients create topics at once
    // (scripts/stack/README.md); poll the metadata until every partition has a leader instead.
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: false });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      const led = metadata?.topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led === partitions) return;
      if (Date.now() > deadline) throw new Error(`topic ${topic}: ${led}/${partitions} partitions have a leader after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50)); // poll interval, bounded by the deadline above
    }
  } finally {
    await admin.disconnect();
  }
}

export interface TestMessage {
  key?: string;
  value: string | null;
  headers?: IHeaders;
  partition?: number;
}

/** A connected producer; `send` waits for the broker's ack (so the record is below the high watermark). */
export async function openProducer(bootstrap: string) {
  const producer = client(bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    async send(topic: string, messages: TestMessage[]) {
      return producer.send({ topic, acks: -1, messages });
    },
    close: () => producer.disconnect(),
  };
}

/** High watermarks per partition, as numbers (test topics are small). */
export async function highWatermarks(bootstrap: string, topic: string): Promise<Map<number, number>> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** A JSON event per the control-plane contract. */
export const eventJson = (type: string, n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: `e-${n}`, type, system: 'test', timestamp: new Date().toISOString(), correlationId: 'c', payload: { n }, ...extra });
