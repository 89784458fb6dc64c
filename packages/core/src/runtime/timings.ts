/**
 * Derived timings: time to detect and time to recover (DESIGN.md "Observations and evidence"). One
 * implementation, {@link FaultTimings}, serves both the report's `timings` ({@link deriveTimings}) and the
 * `timing` assertion of `@tester/assertions`, so a report can never show a figure a `timing` verdict contradicts.
 */
import type { FaultRecord } from '../contract';
import { ObservationKinds, type EventData, type Observation } from '../observation';
import type { ScenarioTimings } from '../result-types';
import { readState, SystemVocabularies } from '../state-vocabulary';
import type { TimelineView } from '../timeline-types';

/** An observation about a system that timing looks at: a state of it, or another event about it. */
export interface SystemSighting {
  observation: Observation;
  system: string;
  /** The state it shows (a `system.state`, or a `STATE_CHANGED`'s `to`); `undefined` for another event. */
  state?: string;
}

/** A measured time and the observation that ended it. */
export interface MeasuredTime {
  ms: number;
  sighting: SystemSighting;
}

/** Options of {@link FaultTimings}. */
export interface FaultTimingsOptions {
  /** Read only these sources. @default every source */
  sources?: readonly string[];
  /** The healthy states, for every system. @default the healthy states of each system's state vocabulary */
  healthy?: readonly string[];
}

/**
 * What time to detect and time to recover are measured on, fed every observation in timeline order:
 * - states of a system: `system.state` observations and `STATE_CHANGED` events (`payload.to`), from any source;
 * - other events about a system (`data.system`), except `CHAOS_*`: the control plane's echo of the injection
 *   itself is not detection.
 *
 * Time to detect: fault start -> the first later sighting of the system that is an event, or a state that is not
 * healthy. Time to recover: fault end -> the first of the healthy states the system ends in (across sources: the
 * trailing run of healthy states; 0 when it was healthy before the fault ended); none while its latest state is
 * not healthy. Healthy is per the system's state vocabulary ({@link SystemVocabularies}) unless
 * {@link FaultTimingsOptions.healthy} says otherwise.
 */
export class FaultTimings {
  /** The vocabulary of each system, learnt from every observation (whatever {@link FaultTimingsOptions.sources} says). */
  readonly vocabularies = new SystemVocabularies();
  private readonly sightings = new Map<string, SystemSighting[]>();

  constructor(private readonly options: FaultTimingsOptions = {}) {}

  observe(o: Observation): void {
    this.vocabularies.observe(o);
    if (this.options.sources && !this.options.sources.includes(o.source)) return;
    const s = sightingOf(o);
    if (!s) return;
    const list = this.sightings.get(s.system);
    if (list) list.push(s);
    else this.sightings.set(s.system, [s]);
  }

  /** Whether `state` is healthy for `system`. */
  isHealthy(system: string, state: string): boolean {
    return this.options.healthy ? this.options.healthy.includes(state) : this.vocabularies.classify(system, state) === 'healthy';
  }

  /** The states `system` recovers to, for messages. */
  healthyStates(system: string): readonly string[] {
    return this.options.healthy ?? this.vocabularies.of(system).vocabulary.healthy;
  }

  /** Time to detect `fault` on `system`, or `undefined` while nothing has shown it. */
  detection(fault: Pick<FaultRecord, 'startedAt'>, system: string): MeasuredTime | undefined {
    const sighting = (this.sightings.get(system) ?? []).find(
      (s) => s.observation.receivedAt >= fault.startedAt && (s.state === undefined || !this.isHealthy(system, s.state)),
    );
    return sighting && { ms: sighting.observation.receivedAt - fault.startedAt, sighting };
  }

  /** Time to recover `system` from `fault` (which must have ended), or `undefined` while its latest state is not healthy. */
  recovery(fault: { endedAt: number }, system: string): MeasuredTime | undefined {
    const states = this.states(system);
    let i = states.length;
    while (i > 0 && this.isHealthy(system, states[i - 1]!.state as string)) i--;
    const sighting = states[i];
    return sighting && { ms: Math.max(0, sighting.observation.receivedAt - fault.endedAt), sighting };
  }

  /** The latest state sighting of `system`. */
  lastState(system: string): SystemSighting | undefined {
    return this.states(system).at(-1);
  }

  private states(system: string): SystemSighting[] {
    return (this.sightings.get(system) ?? []).filter((s) => s.state !== undefined);
  }
}

function sightingOf(o: Observation): SystemSighting | undefined {
  const reading = readState(o);
  if (reading) return { observation: o, system: reading.system, state: reading.state };
  if (o.kind !== ObservationKinds.event) return undefined;
  const e = o.data as Partial<EventData> | undefined;
  if (typeof e?.type !== 'string' || typeof e.system !== 'string' || e.type.startsWith('CHAOS_')) return undefined;
  return { observation: o, system: e.system };
}

/**
 * The fault a timing is measured from, when none is named: time to detect, the first fault to start; time to
 * recover, the last to end (a fault still active while any is, so the caller waits). With `system`, among the
 * faults on that system if there are any.
 */
export function faultToTime(faults: readonly FaultRecord[], measure: 'detect' | 'recover', system?: string): FaultRecord | undefined {
  const on = system === undefined ? [] : faults.filter((f) => f.system === system);
  const pool = on.length ? on : faults;
  if (measure === 'detect') return pool.reduce<FaultRecord | undefined>((first, f) => (first === undefined || f.startedAt < first.startedAt ? f : first), undefined);
  const active = pool.find((f) => f.endedAt === undefined);
  if (active) return active;
  return pool.reduce<FaultRecord | undefined>((last, f) => (last === undefined || (f.endedAt as number) >= (last.endedAt as number) ? f : last), undefined);
}

/**
 * The scenario's timings for its report: time to detect the first fault on its system, time to recover its system
 * from the last fault to end ({@link faultToTime}), measured by {@link FaultTimings} over every source. A `timing`
 * expectation that names no `fault`, `system`, `sources` or `healthy` measures exactly these.
 */
export function deriveTimings(faults: readonly FaultRecord[], timeline: TimelineView): ScenarioTimings {
  const timings = new FaultTimings();
  for (const o of timeline.query()) timings.observe(o);
  const out: ScenarioTimings = {};
  const detect = faultToTime(faults, 'detect');
  const detected = detect && timings.detection(detect, detect.system);
  if (detected) out.timeToDetectMs = detected.ms;
  const recover = faultToTime(faults, 'recover');
  const recovered = recover?.endedAt !== undefined ? timings.recovery({ endedAt: recover.endedAt }, recover.system) : undefined;
  if (recovered) out.timeToRecoverMs = recovered.ms;
  return out;
}
