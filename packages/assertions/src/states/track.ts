/**
 * A system's states as one source saw them: a list of visits (state, entered, left), built incrementally from
 * `system.state` observations (api) or `STATE_CHANGED {from,to}` events (kafka).
 */
import type { EventData, Observation, SystemStateData } from '@tester/core';

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

  constructor(
    readonly system: string,
    readonly source: 'api' | 'kafka',
  ) {}

  observe(o: Observation): void {
    if (this.source === 'api') {
      if (o.kind !== 'system.state' || o.source !== 'api') return;
      const d = o.data as SystemStateData;
      if (d?.system !== this.system || typeof d.state !== 'string') return;
      this.observations.push(o);
      this.enter(d.state, o);
      return;
    }
    if (o.kind !== 'event' || o.source !== 'kafka') return;
    const e = o.data as EventData;
    if (e?.type !== 'STATE_CHANGED' || e.system !== this.system) return;
    const p = (e.payload ?? {}) as { from?: unknown; to?: unknown };
    if (typeof p.to !== 'string') return;
    this.observations.push(o);
    const last = this.visits.at(-1);
    if (typeof p.from === 'string') {
      if (!last) this.visits.push({ state: p.from, enteredAt: Number.NEGATIVE_INFINITY, seq: o.seq });
      else if (last.state !== p.from) this.gaps.push({ expected: last.state, got: p.from, seq: o.seq });
    }
    this.enter(p.to, o);
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
