import { randomUUID } from 'node:crypto';
import { abortAt, abortable, ErrorCodes, formatMs, TesterError, type EventData, type EventDecodeErrorData, type ObserverContext, type ObserverSession } from '@tester/core';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { createKafka, SocketTracker } from './client';
import { optionName, showOption } from './duration';
import type { KafkaConfig } from './config';
import { jsonDecoder, KafkaEventCodec, messageInfo, toObservation } from './decode';
import { mapRecord } from './mapping/decode';
import { mappedObservations, StateTracker } from './mapping/observations';
import type { TopicPlan } from './mapping/topics';
import { describeError } from './errors';
import { PartitionPositions, partitionKey, type PartitionKey, type Watermarks } from './positions';

/** A problem as shown to the user, with the fix when there is an obvious one. */
function explain(error: unknown): string {
  const text = describeError(error);
  return /UNKNOWN_TOPIC|does not host this topic/i.test(text) ? `${text}: a topic does not exist; create it or fix "topics"` : text;
}

/** kafkajs retries of the observer's connects and metadata refreshes (see the constructor). */
const CLUSTER_RETRIES = 2;

/**
 * Starts observing. Returns at once; the start offsets are resolved in the background and `ready()` says
 * when the observer is positioned.
 *
 * How it avoids loss and interference: a consumer group of its own (unique id per session and consumer
 * incarnation, nothing ever committed), positioned on every partition by `seek` at each group join: first to
 * the offsets resolved at start (high watermarks, or by timestamp), later to just after the last recorded
 * offset. Records below that are dropped, so a reconnect or restart neither loses nor duplicates.
 */
export async function startKafkaObserver(ctx: ObserverContext<unknown>, config: KafkaConfig): Promise<ObserverSession> {
  const sockets = new SocketTracker();
  // Connects and metadata refreshes get few kafkajs retries: kafkajs cannot cancel a retry, and a chain of them
  // keeps the process alive for seconds after stop() against a broker that is gone; boot and the consumer
  // restart loop retry instead, and they end with the session.
  const kafka = await createKafka(config, ctx, 'observer', sockets, CLUSTER_RETRIES);
  const session = new KafkaObserverSession(ctx, config, kafka, sockets);
  session.boot();
  return session;
}

class KafkaObserverSession implements ObserverSession {
  private readonly positions = new PartitionPositions();
  /** Every partition that existed when the observer started: `ready()` waits until all are positioned. */
  private readonly expected = new Set<PartitionKey>();
  private readonly internal = new AbortController();
  /** Aborted, with the OBSERVER_NOT_READY error, when `ready()` has waited `readyTimeout`. */
  private readonly readyDeadline = new AbortController();
  /** Cancels the ready deadline (once ready, or failed otherwise), so it does not keep a timer alive. */
  private cancelReadyDeadline: () => void = () => undefined;
  private readonly groupBase: string;
  private readonly decoder;
  /** The mapping of each topic that has one. */
  private readonly plans: Map<string, TopicPlan>;
  private readonly codecs = new Map<string, KafkaEventCodec>();
  /** Each system's last state on the states topics: their records carry only the new one. */
  private readonly states = new StateTracker();
  private readonly maxWaitTimeMs: number;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private incarnation = 0;
  /** The incarnation whose join covered every expected partition and sought each one to where it starts. */
  private positionedIncarnation = -1;
  /** Resolves once every partition's start offset is known (`false`: ready failed or the session stopped first). */
  private offsetsKnown: Promise<boolean> = Promise.resolve(false);
  /** `ready()` resolved or rejected: nothing more to do for it. */
  private readySettled = false;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;
  private readonly readyPromise: Promise<void>;
  private lastSeenAt: number;
  private lastProblem = '';
  private blind = false;
  private restarting = false;
  /** The last incarnation that crashed; a restart loop goes on while it is the current one. */
  private crashedIncarnation = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private stopWatchdog: (() => void) | undefined;

  constructor(
    private readonly ctx: ObserverContext<unknown>,
    private readonly config: KafkaConfig,
    private readonly kafka: Kafka,
    /** Every socket kafkajs opens for this session: `stop()` ends with closing them all. */
    private readonly sockets: SocketTracker,
  ) {
    this.groupBase = `${config.groupIdPrefix}-${ctx.runId}-${randomUUID().slice(0, 8)}`;
    this.decoder = config.decoder ?? jsonDecoder;
    this.plans = new Map(config.plans.map((plan) => [plan.name, plan]));
    // The fetch long-poll is also the liveness signal, so it must come back well within maxBlind.
    this.maxWaitTimeMs = Math.max(10, Math.min(config.maxWaitTime, Math.floor(config.maxBlind / 4)));
    this.lastSeenAt = ctx.clock.now();
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Whoever never calls ready() (a failed run) must not get an unhandled rejection.
    this.readyPromise.catch(() => undefined);
  }

  /**
   * Resolves the start offsets and, at the same time, connects the consumer; the consumer joins its group once the
   * offsets are known (its join seeks every partition to them). Failures reject `ready()` with the cause.
   */
  boot(): void {
    const readyMs = this.config.readyTimeout;
    const { clock } = this.ctx;
    const { signal } = this.readyDeadline;
    signal.addEventListener('abort', () => this.settleReady(signal.reason as Error), { once: true });
    this.cancelReadyDeadline = abortAt(clock, clock.now() + readyMs, this.readyDeadline, () =>
      this.notReady(`not ready within ${formatMs(readyMs)} (${optionName('readyTimeout', this.config.legacyNames)})`),
    );
    this.offsetsKnown = this.resolveStartOffsets();
    this.startConsumer().catch((error: unknown) => {
      this.lastProblem = `starting the consumer: ${explain(error)}`;
      void this.restartConsumer();
    });
  }

  /**
   * Every partition's start offset, retried until the ready deadline: a broker that just started, or a topic just
   * created, answers NOT_LEADER / UNKNOWN_TOPIC for a moment. `false` when ready failed or the session stopped first.
   */
  private async resolveStartOffsets(): Promise<boolean> {
    // Few retries per call: this loop and the barrier's retry on their own, and they need to see the
    // problem early to report it (a missing topic would otherwise hide behind kafkajs's backoff).
    const admin = (this.admin = this.kafka.admin({ retry: { ...this.kafkaRetry(), retries: 2 } }));
    const waiting = AbortSignal.any([this.internal.signal, this.readyDeadline.signal]);
    while (!this.readySettled && !this.stopped) {
      try {
        await admin.connect();
        // stop() may have come while connecting: it disconnects the admin, and nothing more may start.
        if (this.stopped) return false;
        for (const topic of this.config.topics) {
          for (const { partition, offset } of await this.startOffsets(admin, topic)) {
            this.positions.start(topic, partition, offset);
            this.expected.add(partitionKey(topic, partition));
          }
        }
        return !this.readySettled && !this.stopped;
      } catch (error) {
        this.lastProblem = explain(error);
        const { clock } = this.ctx;
        await clock.until(clock.now() + this.config.retry.maxRetryTime, waiting).catch(() => undefined);
      }
    }
    return false;
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  async barrier(t: number, signal: AbortSignal): Promise<void> {
    const both = AbortSignal.any([signal, this.internal.signal]);
    const { clock } = this.ctx;
    if (clock.now() < t) await clock.until(t, both);
    let watermarks: Watermarks | undefined;
    while (!watermarks) {
      try {
        watermarks = await this.highWatermarks();
      } catch (error) {
        // Blindness is the watchdog's call (it sees the consumer); here we only keep trying until aborted.
        this.lastProblem = `reading high watermarks: ${describeError(error)}`;
        this.ctx.logger.warn(`kafka barrier: ${this.lastProblem}; retrying`);
        await clock.until(clock.now() + this.config.retry.maxRetryTime, both);
      }
    }
    await this.positions.waitFor(watermarks, both);
  }

  /**
   * Bounded by `stopTimeout`: the consumer leaves its group and both clients disconnect, or the bound passes
   * (a broker that is gone or paused); then every socket kafkajs opened is destroyed and new ones are refused, so no
   * reconnect, retry or pending request of kafkajs outlives the session. A consumer or admin client whose connect
   * completes after this (a stop that came while it was connecting) disconnects itself.
   */
  stop(): Promise<void> {
    return (this.stopping ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.stopWatchdog?.();
    this.internal.abort(new TesterError(ErrorCodes.ABORTED, 'kafka observer stopped'));
    this.settleReady(this.notReady('stopped before it was ready'));
    const closing = Promise.allSettled([this.consumer?.disconnect(), this.admin?.disconnect()]);
    // A broker known not to answer would only make a graceful disconnect wait out the whole bound.
    if (!this.blind) {
      const { clock } = this.ctx;
      const bound = new AbortController();
      const cancel = abortAt(clock, clock.now() + this.config.stopTimeout, bound, () => undefined);
      await abortable(closing, bound.signal).catch(() => undefined);
      cancel();
    }
    this.sockets.close();
  }

  // -------------------------------------------------------------------------------------------------------

  private async startOffsets(admin: Admin, topic: string): Promise<{ partition: number; offset: string }[]> {
    if (this.config.startFrom === 'latest') {
      return (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }));
    }
    // kafkajs answers the high watermark for partitions with nothing at or after the timestamp.
    return admin.fetchTopicOffsetsByTimestamp(topic, this.config.startFrom);
  }

  private kafkaRetry() {
    const { initialRetryTime, maxRetryTime, retries } = this.config.retry;
    return { initialRetryTime, maxRetryTime, retries };
  }

  private async highWatermarks(): Promise<Watermarks> {
    const admin = this.admin;
    if (!admin) throw new Error('the admin client is not connected yet');
    const watermarks: Watermarks = new Map();
    for (const topic of this.config.topics) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        watermarks.set(partitionKey(topic, partition), high);
      }
    }
    return watermarks;
  }

  private async startConsumer(): Promise<void> {
    const incarnation = ++this.incarnation;
    const consumer = this.kafka.consumer({
      groupId: `${this.groupBase}-${incarnation}`,
      maxWaitTimeInMs: this.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: {
        ...this.kafkaRetry(),
        // The observer restarts crashed consumers itself, in a fresh group: a kafkajs restart rejoins the
        // same group as a new member, and the coordinator then waits a whole session timeout for the dead one.
        restartOnFailure: async () => false,
      },
      // Bounds how long a rejoin inside kafkajs (after a broker restart) can wait for this member's old self.
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    this.consumer = consumer;
    const { events } = consumer;
    const current = () => incarnation === this.incarnation && !this.stopped;
    // GROUP_JOIN is emitted synchronously after join+sync and before the first fetch, so the seeks made here
    // are applied to the very first fetch of every assigned partition.
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (current()) this.onJoin(consumer, incarnation, payload.memberAssignment);
    });
    // Ready once positioned: every partition was sought at the join, and the fetch that applies the seeks starts
    // now. A record produced from here on is at or after its partition's start offset, so it will be recorded;
    // waiting for this fetch's answer would add a whole maxWaitTime on a quiet topic.
    consumer.on(events.FETCH_START, () => {
      if (current() && this.positionedIncarnation === incarnation) this.markReady();
    });
    consumer.on(events.FETCH, () => {
      if (current()) this.onFetch();
    });
    consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      // A batch with only control records or aborted messages: move past it so barriers do not wait for it.
      if (current() && payload.batchSize === 0) {
        this.positions.skipTo(payload.topic, payload.partition, (BigInt(payload.lastOffset) + 1n).toString());
      }
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (!current()) return;
      this.lastProblem = `consumer crashed: ${describeError(payload.error)}`;
      this.ctx.logger.warn(`kafka observer: ${this.lastProblem}; restarting it`);
      this.crashedIncarnation = incarnation;
      void this.restartConsumer();
    });
    consumer.on(events.REQUEST_TIMEOUT, ({ payload }) => {
      if (current()) this.lastProblem = `request to ${payload.broker} timed out`;
    });
    // Each step may complete after stop() (or a restart) replaced this consumer: it then disconnects itself,
    // or its group membership, fetch loop and sockets would outlive the session.
    const drop = async () => void (await consumer.disconnect().catch(() => undefined));
    await consumer.connect();
    if (!current()) return drop();
    // The join seeks every partition to where it starts: it must not happen before that is known. The offsets are
    // resolved while the consumer connects (boot); a restart finds them known.
    if (!(await this.offsetsKnown) || !current()) return drop();
    await consumer.subscribe({ topics: this.config.topics, fromBeginning: false });
    if (!current()) return drop();
    await consumer.run({
      autoCommit: false,
      // Our own position tracking decides what was consumed; kafkajs must not skip a half-processed batch.
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(incarnation, payload),
    });
    if (!current()) return drop();
  }

  private onJoin(consumer: Consumer, incarnation: number, assignment: Record<string, number[]>): void {
    const assigned = new Set<PartitionKey>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        consumer.seek({ topic, partition, offset: this.positions.next(topic, partition) });
        assigned.add(partitionKey(topic, partition));
      }
    }
    const missing = [...this.expected].filter((key) => !assigned.has(key));
    if (missing.length === 0) this.positionedIncarnation = incarnation;
    else this.lastProblem = `group join assigned no ${missing.join(', ')}`;
  }

  private onFetch(): void {
    this.lastSeenAt = this.ctx.clock.now();
    if (this.blind) {
      this.blind = false;
      this.ctx.sighted();
    }
  }

  private markReady(): void {
    if (this.readySettled) return;
    this.readySettled = true;
    this.cancelReadyDeadline();
    this.resolveReady();
    this.startWatchdog();
  }

  private async onBatch(incarnation: number, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    // Records arriving are the source seen, as much as a fetch event is (a blind span starts after the last of them).
    if (incarnation === this.incarnation) this.lastSeenAt = this.ctx.clock.now();
    const live = () => incarnation === this.incarnation && !this.stopped && isRunning() && !isStale();
    if (!live()) return;
    const plan = this.plans.get(batch.topic);
    if (plan === undefined || plan.mode === 'contract') this.recordContract(batch);
    else await this.recordMapped(plan, batch, live);
    // What was processed is resolved once per batch: kafkajs parses the offset into a Long on every resolveOffset,
    // which per record cost as much as decoding it.
    const last = batch.messages.at(-1);
    if (last !== undefined && live()) resolveOffset(last.offset);
    await payload.heartbeat();
  }

  /**
   * Decodes and records a batch of a contract topic in one synchronous step: kafkajs cannot stop or seek the consumer
   * in between, so its liveness is checked once per batch (per record it cost as much as decoding), and the position
   * moves once, after the records are in. Only a stop() from code the records run (a timeline subscriber) is seen.
   */
  private recordContract(batch: EachBatchPayload['batch']): void {
    const { topic, partition, messages } = batch;
    const codec = this.codec(topic);
    let recorded: string | undefined;
    try {
      for (let i = this.positions.firstNew(topic, partition, messages); i < messages.length && !this.stopped; i++) {
        const message = messages[i]!;
        const observation = toObservation(messageInfo(topic, partition, message), this.decoder, codec);
        if (observation) this.ctx.record<EventData | EventDecodeErrorData>(observation);
        recorded = message.offset;
      }
    } finally {
      if (recorded !== undefined) this.positions.claimThrough(topic, partition, recorded);
    }
  }

  /**
   * The packed form of the topic's events, when the default decoder reads them: the timeline may then retain them as
   * bytes. A custom decoder's events are retained as objects (nothing says it decodes the same bytes the same way twice).
   */
  private codec(topic: string): KafkaEventCodec | undefined {
    if (this.decoder !== jsonDecoder) return undefined;
    let codec = this.codecs.get(topic);
    if (!codec) this.codecs.set(topic, (codec = new KafkaEventCodec(topic)));
    return codec;
  }

  /** Maps and records a batch of a mapped topic, record by record: mapping is asynchronous (JSONata). */
  private async recordMapped(plan: Exclude<TopicPlan, { mode: 'contract' }>, batch: EachBatchPayload['batch'], live: () => boolean): Promise<void> {
    const { topic, partition } = batch;
    const tagging = plan.mode === 'states' ? plan : undefined;
    for (const message of batch.messages) {
      const info = messageInfo(topic, partition, message);
      const mapped = await mapRecord(plan, info);
      if (!live()) return;
      // Mapped first, claimed after: claiming moves the position barriers wait on, so the observations must be
      // recorded in the same synchronous step.
      if (this.positions.accept(topic, partition, message.offset)) {
        for (const observation of mappedObservations(info, mapped, this.states, tagging)) this.ctx.record(observation);
      }
    }
  }

  private startWatchdog(): void {
    const tick = Math.max(10, Math.min(250, Math.floor(this.config.maxBlind / 4)));
    this.stopWatchdog = this.ctx.clock.every(tick, () => {
      if (this.stopped || this.blind) return;
      const silentMs = this.ctx.clock.now() - this.lastSeenAt;
      if (silentMs <= this.config.maxBlind) return;
      this.blind = true;
      // Blind since the last successful fetch, not since this tick noticed it.
      this.ctx.blind(`${this.problem()}; no successful fetch for ${Math.round(silentMs)} ms (${showOption('maxBlind', this.config.maxBlind, this.config.legacyNames)})`, {
        since: this.lastSeenAt,
      });
    });
  }

  /** Replaces a consumer kafkajs gave up on, until it works again or the observer stops. */
  private async restartConsumer(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    try {
      while (!this.stopped) {
        await this.consumer?.disconnect().catch(() => undefined);
        try {
          // kafkajs reports a crash during run() (CRASH event) before run() returns.
          await this.startConsumer();
          if (this.crashedIncarnation !== this.incarnation) return;
        } catch (error) {
          this.lastProblem = `restarting the consumer: ${describeError(error)}`;
          this.ctx.logger.warn(`kafka observer: ${this.lastProblem}`);
        }
        const { clock } = this.ctx;
        await clock.until(clock.now() + this.config.retry.maxRetryTime, this.internal.signal).catch(() => undefined);
      }
    } finally {
      this.restarting = false;
    }
  }

  /** What is wrong, naming the broker and the cause: the last connection problem, or the last kafkajs error. */
  private problem(): string {
    const socket = this.sockets.problem();
    if (socket) return socket.text;
    if (this.lastProblem) return `brokers ${this.config.brokers.join(',')}: ${this.lastProblem}`;
    return `brokers ${this.config.brokers.join(',')} not answering`;
  }

  /** Rejects `ready()` with `error`, unless it has settled already. */
  private settleReady(error: Error): void {
    if (this.readySettled) return;
    this.readySettled = true;
    this.cancelReadyDeadline();
    this.rejectReady(error);
  }

  /** `OBSERVER_NOT_READY` for `reason`, with the last problem seen and what to check. */
  private notReady(reason: string): TesterError {
    const problem = this.sockets.problem()?.text ?? this.lastProblem;
    return new TesterError(
      ErrorCodes.OBSERVER_NOT_READY,
      `kafka observer (brokers ${this.config.brokers.join(',')}, topics ${this.config.topics.join(',')}): ${reason}` +
        `${problem && !reason.includes(problem) ? `: ${problem}` : ''}. ` +
        `Check that the brokers are reachable and the topics exist, or raise ${optionName('readyTimeout', this.config.legacyNames)}.`,
      { context: { brokers: this.config.brokers, topics: this.config.topics } },
    );
  }
}
