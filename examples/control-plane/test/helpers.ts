import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { setTimeout as delay } from 'node:timers/promises';

/** Polls `check` until it returns a truthy value; fails with `what` and the last value at the deadline. */
export async function waitUntil<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await delay(intervalMs);
  }
}

/** Parsed JSON whose shape the test's assertions check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the assertions are the type check here
export type Loose = Record<string, any>;

export async function getJson<T = Loose>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function sendJson<T = Loose>(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as T };
}

export interface CpEvent {
  id: string;
  type: string;
  system: string;
  timestamp: string;
  correlationId: string | null;
  payload: Loose;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning and keeps every event; `until` waits for a condition over what arrived. */
export class EventLog {
  readonly events: CpEvent[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly bootstrap: string,
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'cp-test', brokers: [this.bootstrap], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `cp-test-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let assigned = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (assigned = true));
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        this.events.push({ ...JSON.parse(String(message.value)), partition, offset: message.offset });
      },
    });
    await waitUntil(() => assigned, `a partition assignment on ${this.topic}`, 30_000);
    return this;
  }

  until(predicate: (events: CpEvent[]) => boolean, what: string, timeoutMs = 20_000): Promise<CpEvent[]> {
    return waitUntil(() => (predicate(this.events) ? this.events : undefined), what, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** The value of one sample in a Prometheus exposition, or undefined when absent. */
export function sample(exposition: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
