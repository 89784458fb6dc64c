/**
 * A system's states as one source saw them: a list of visits (state, entered, left), built incrementally from the
 * source's `system.state` observations and, when asked, its `STATE_CHANGED {from,to}` events (core's `readState`).
 */
import { readState, type Observation } from '@tester/core';

export interface Visit {
  state: string;
  /** Clock time the tester saw it entered; `-Infinity` for a state known only as a `from`. */
  enteredAt: number;
  /** Observation that showed it. */
  seq: number;
  leftAt?: number;
  leftSeq?: number;
}

/** A `STATE_CHANGED` whose `from` is not the state the previous event went `to`: an event is missing. */
export interface Gap {
  expected: string;
  got: string;
  seq: number;
}

export class StateTrack {
  readonly visits: Visit[] = [];
  readonly gaps: Gap[] = [];
  /** Every observation that fed this track, for evidence. */
  readonly observations: Observation[] = [];
  /** Fed by `system.state` observations: a sampled view (a poller may miss a short state). */
  sampled = false;
  /** Fed by `STATE_CHANGED` events: a stream of transitions, which sees every one of them. */
  transitions = false;

  /**
   * @param events read the source's `STATE_CHANGED` events too (a source named in `sources:`); otherwise only its
   *   `system.state` observations
   */
  constructor(
    readonly system: string,
    readonly source: string,
    private readonly events = true,
  ) {}

  observe(o: Observation): void {
    if (o.source !== this.source) return;
    const reading = readState(o);
    if (!reading || reading.system !== this.system || (reading.event && !this.events)) return;
    this.observations.push(o);
    if (!reading.event) {
      this.sampled = true;
      this.enter(reading.state, o);
      return;
    }
    this.transitions = true;
    const last = this.visits.at(-1);
    if (reading.from !== undefined) {
      if (!last) this.visits.push({ state: reading.from, enteredAt: Number.NEGATIVE_INFINITY, seq: o.seq });
      else if (last.state !== reading.from) this.gaps.push({ expected: last.state, got: reading.from, seq: o.seq });
    }
    this.enter(reading.state, o);
  }

  private enter(state: string, o: Observation): void {
    const last = this.visits.at(-1);
    if (last?.state === state) return;
    if (last) {
      last.leftAt = o.receivedAt;
      last.leftSeq = o.seq;
    }
    this.visits.push({ state, enteredAt: o.receivedAt, seq: o.seq });
  }

  /** The visits in the window: the one in force when it opened, then every later one. */
  visitsFrom(opensAt: number): Visit[] {
    const i = this.visits.findIndex((v) => v.enteredAt > opensAt);
    if (i === -1) return this.visits.slice(-1);
    return this.visits.slice(Math.max(0, i - 1));
  }

  current(): Visit | undefined {
    return this.visits.at(-1);
  }
}

/** `A → B → C` for messages. */
export const path = (visits: readonly { state: string }[]): string => (visits.length ? visits.map((v) => v.state).join(' → ') : '(none)');
