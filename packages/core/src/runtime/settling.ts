/**
 * Settling (DESIGN.md "Windows, settling and barriers"): when have the scenario's systems finished reacting?
 * Every fault ended, nothing they do still in progress (a policy execution RUNNING, a chaos ACTIVE, a drift
 * not yet reconciled, a system in a *transitional* state of its vocabulary such as RECOVERING), and no
 * *relevant* observation for `settle` ms. Relevant means about the scenario's
 * systems: a state change, an event of one of them, a policy execution, a chaos, a drift or reconciliation of
 * their resources, a fault's start or end. Metric samples are not activity: they move all the time.
 */
import type { FaultRecord } from '../contract';
import { ObservationKinds, type Observation } from '../observation';
import { readState, SystemVocabularies } from '../state-vocabulary';

/** How many of the latest relevant observations are kept, for "the system never settled; its last changes". */
const LAST_CHANGES = 5;

/** Statuses of in-progress work, per kind (anything else counts as finished). */
const IN_PROGRESS: Record<string, ReadonlySet<string>> = {
  [ObservationKinds.policyExecution]: new Set(['RUNNING', 'PENDING', 'IN_PROGRESS']),
  [ObservationKinds.chaos]: new Set(['ACTIVE', 'PENDING', 'STARTING', 'RUNNING']),
  [ObservationKinds.reconciliation]: new Set(['RUNNING', 'PENDING', 'IN_PROGRESS']),
};

/** Kinds that are never activity: samples, the tester's own bookkeeping of observers and catalogs. */
const NOT_ACTIVITY: ReadonlySet<string> = new Set([
  ObservationKinds.metricSample,
  ObservationKinds.metricEmpty,
  ObservationKinds.metricAbsent,
  ObservationKinds.metricError,
  ObservationKinds.observerBlind,
  ObservationKinds.observerSighted,
  ObservationKinds.catalog,
  ObservationKinds.eventDecodeError,
]);

type Data = Record<string, unknown> | undefined;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The system an observation is about, when it says: `data.system`, else `subject` for state kinds, else a
 * resource's prefix (`mysql.max_connections` is mysql's). `undefined` when it cannot be attributed.
 */
function systemsOf(o: Observation): string[] {
  const d = o.data as Data;
  const out: string[] = [];
  const system = str(d?.system);
  if (system) out.push(system);
  if (o.kind === ObservationKinds.systemState && o.subject) out.push(o.subject);
  const resource = str(d?.resource);
  if (resource) out.push(resource, resource.split('.')[0] as string);
  return out;
}

/**
 * A fault's own bookkeeping: the tester's fault records, the system's chaos records and its chaos events. None
 * of it shows that the fault did anything to the system.
 */
function isBookkeeping(o: Observation): boolean {
  if (o.kind === ObservationKinds.faultStarted || o.kind === ObservationKinds.faultEnded || o.kind === ObservationKinds.chaos) return true;
  const type = str((o.data as Data)?.type);
  return o.kind === ObservationKinds.event && type !== undefined && type.startsWith('CHAOS_');
}

/**
 * In-progress key and whether it is in progress now, for the kinds that have a lifecycle, and for a system's
 * state: the latest state reading of a system (a `system.state` or a `STATE_CHANGED`, from any source) in a
 * transitional state of its vocabulary keeps it in progress, so a system quiet for a moment while RECOVERING has
 * not settled. Keyed by system, not by source: a source that lags or loses the last transition cannot hold the
 * window open once another one shows the system at rest.
 */
function progressOf(o: Observation, vocabularies: SystemVocabularies): { key: string; running: boolean; what: string } | undefined {
  const reading = readState(o);
  if (reading) {
    const transitional = vocabularies.classify(reading.system, reading.state) === 'transitional';
    return { key: `state:${reading.system}`, running: transitional, what: `${reading.system} ${reading.state} (a transitional state)` };
  }
  const d = o.data as Data;
  if (o.kind === ObservationKinds.drift) {
    const resource = str(d?.resource);
    if (!resource) return undefined;
    return { key: `drift:${resource}`, running: d?.drifted === true, what: `drift of ${resource} not reconciled` };
  }
  const statuses = IN_PROGRESS[o.kind];
  const id = str(d?.id);
  if (!statuses || !id) return undefined;
  const status = str(d?.status) ?? '';
  const name = o.kind === ObservationKinds.policyExecution ? `policy ${str(d?.policyId) ?? ''} execution ${id}` : `${o.kind} ${id}`;
  return { key: `${o.kind}:${id}`, running: statuses.has(status.toUpperCase()), what: `${name} ${status}` };
}

/** What {@link Settling.check} answers. */
export type SettleState =
  | { settled: true; quietSince: number; settledAt: number }
  | { settled: false; waitingFor: string; /** When to look again even if nothing arrives. */ recheckAt: number };

/** Tracks the activity of a scenario's systems, fed every observation in timeline order. */
export class Settling {
  private readonly systems: ReadonlySet<string>;
  /** Receive time of the latest relevant observation (or the window's opening). */
  lastActivityAt = Number.NEGATIVE_INFINITY;
  /** `seq` of the latest relevant observations, newest last. */
  readonly lastChanges: number[] = [];
  private readonly running = new Map<string, string>();
  /** What each system's states mean, for the transitional ones. */
  private readonly vocabularies = new SystemVocabularies();
  /** Per system, what showed an effect on it (anything relevant but the faults' own bookkeeping). */
  private readonly effects = new Map<string, { seq: number; at: number }[]>();
  /** The last `seq` fed, and the last one before the window opened: effects are what came after that. */
  private lastSeq = Number.NEGATIVE_INFINITY;
  private openedAfterSeq = Number.NEGATIVE_INFINITY;

  constructor(systems: readonly string[]) {
    this.systems = new Set(systems);
  }

  /** Whether `o` is about the scenario's systems. With no declared systems, anything attributable counts. */
  relevant(o: Observation): boolean {
    if (NOT_ACTIVITY.has(o.kind)) return false;
    if (o.kind.startsWith('metric.')) return false;
    const of = systemsOf(o);
    if (!of.length) {
      // Unattributable events and executions may be ours: counting them only makes settling wait longer.
      return o.kind === ObservationKinds.event || o.kind === ObservationKinds.policyExecution;
    }
    if (!this.systems.size) return true;
    return of.some((s) => this.systems.has(s));
  }

  /** Feeds one observation. */
  observe(o: Observation): void {
    this.lastSeq = o.seq;
    this.vocabularies.observe(o);
    if (!this.relevant(o)) return;
    this.lastActivityAt = Math.max(this.lastActivityAt, o.receivedAt);
    this.lastChanges.push(o.seq);
    if (this.lastChanges.length > LAST_CHANGES) this.lastChanges.shift();
    if (!isBookkeeping(o)) for (const system of new Set(systemsOf(o))) this.effects.set(system, [...(this.effects.get(system) ?? []), { seq: o.seq, at: o.receivedAt }]);
    const progress = progressOf(o, this.vocabularies);
    if (!progress) return;
    if (progress.running) this.running.set(progress.key, progress.what);
    else this.running.delete(progress.key);
  }

  /** Whether anything but its own bookkeeping was observed about a fault's system after it started, up to `until`. */
  hadEffect(fault: Pick<FaultRecord, 'system' | 'startedAt'>, until: number): boolean {
    return (this.effects.get(fault.system) ?? []).some((e) => e.seq > this.openedAfterSeq && e.at >= fault.startedAt && e.at <= until);
  }

  /** The window opens (the first action starts): activity, and the line before which nothing is an effect. */
  open(at: number, afterSeq = this.lastSeq): void {
    this.lastActivityAt = Math.max(this.lastActivityAt, at);
    this.openedAfterSeq = afterSeq;
  }

  /** What the scenario's systems are still doing (`drift of mysql.max_connections not reconciled`), if anything. */
  busy(): string | undefined {
    const [first] = this.running.values();
    return first;
  }

  /** Whether the systems have settled by `now`, given the faults and the quiet period `settleMs`. */
  check(now: number, faults: readonly FaultRecord[], settleMs: number): SettleState {
    const active = faults.find((f) => f.endedAt === undefined);
    if (active) return { settled: false, waitingFor: `fault ${active.id} (${active.fault} on ${active.system}) to end`, recheckAt: Number.POSITIVE_INFINITY };
    const [busy] = this.running.values();
    if (busy !== undefined) return { settled: false, waitingFor: `${busy} to finish`, recheckAt: Number.POSITIVE_INFINITY };
    const quietSince = Math.max(this.lastActivityAt, ...faults.map((f) => f.endedAt as number));
    const settledAt = quietSince + settleMs;
    if (now < settledAt) return { settled: false, waitingFor: `no activity for ${settleMs} ms (quiet since ${Math.round(now - quietSince)} ms)`, recheckAt: settledAt };
    return { settled: true, quietSince, settledAt };
  }
}

/** The faults that had no observable effect on their system up to `until` (harmless ones excepted), described. */
export function faultsWithoutEffect(faults: readonly FaultRecord[], settling: Settling, until: number): string[] {
  return faults.filter((f) => !f.harmless && !settling.hadEffect(f, until)).map((f) => `fault ${f.id} (${f.fault} on ${f.system}, action ${f.actionId})`);
}
