/**
 * `within`: a deadline relative to a fault. `within: 10s` is short for `{ after: fault_start, max: 10s }`;
 * `{ after: fault_end, max: 10s, fault: cut-db }` measures from the end of the fault injected by action `cut-db`.
 */
import { z, type EvaluationContext, type FaultRecord } from '@tester/core';
import { durationSchema, formatMs } from './duration';

/** The parsed form of `within`. */
export interface Within {
  after: 'fault_start' | 'fault_end';
  /** Milliseconds after the anchor. */
  maxMs: number;
  /** Action id or fault id; default: the first fault on the item's system, else the first fault. */
  fault?: string;
  /** `states` only: the state to reach (default: the item's `final_state`). */
  state?: string;
}

const withinObject = {
  after: z.enum(['fault_start', 'fault_end'], { error: 'expected "fault_start" or "fault_end"' }).default('fault_start'),
  max: durationSchema,
  fault: z.string().min(1).optional().describe('the action id (or chaos id) of the fault to measure from'),
};

/** `within` for `policies` and `events`. */
export const withinSchema = z
  .union([durationSchema, z.strictObject(withinObject)])
  .transform((w): Within => (typeof w === 'number' ? { after: 'fault_start', maxMs: w } : { after: w.after, maxMs: w.max, fault: w.fault }))
  .describe('a duration after the fault starts, or { after: fault_start|fault_end, max: <duration>, fault?: <action id> }');

/** `within` for `states`, which may name the state to reach. */
export const stateWithinSchema = z
  .union([durationSchema, z.strictObject({ ...withinObject, state: z.string().min(1).optional() })])
  .transform(
    (w): Within => (typeof w === 'number' ? { after: 'fault_start', maxMs: w } : { after: w.after, maxMs: w.max, fault: w.fault, state: w.state }),
  )
  .describe('a duration after the fault starts, or { state?, after: fault_start|fault_end, max: <duration>, fault?: <action id> }');

/** Picks the fault an item measures from: named by `fault`, else on `system`, else the first. */
export function pickFault(faults: readonly FaultRecord[], fault?: string, system?: string): FaultRecord | undefined {
  if (fault) return faults.find((f) => f.actionId === fault || f.id === fault);
  return (system ? faults.find((f) => f.system === system) : undefined) ?? faults[0];
}

/** The anchor time and deadline of a `within`, or why there is none yet. */
export type Anchor =
  | { kind: 'ok'; fault: FaultRecord; from: number; deadline: number; label: string }
  | { kind: 'waiting'; why: string }
  | { kind: 'none'; why: string };

export function resolveAnchor(ctx: EvaluationContext, within: Within, system?: string): Anchor {
  const fault = pickFault(ctx.faults, within.fault, system);
  const name = within.fault ? `fault "${within.fault}"` : system ? `a fault on ${system}` : 'a fault';
  if (!fault) {
    const why = `${name} to ${within.after === 'fault_start' ? 'start' : 'end'} (within ${formatMs(within.maxMs)} after ${within.after})`;
    const none = `no fault${within.fault ? ` "${within.fault}"` : system ? ` on ${system}` : ''} was injected`;
    return ctx.window.closed ? { kind: 'none', why: `${none}, so "within ... after ${within.after}" has nothing to measure from` } : { kind: 'waiting', why };
  }
  const from = within.after === 'fault_start' ? fault.startedAt : fault.endedAt;
  if (from === undefined) return { kind: 'waiting', why: `the end of fault ${fault.id} (${fault.fault} on ${fault.system})` };
  return {
    kind: 'ok',
    fault,
    from,
    deadline: from + within.maxMs,
    label: `within ${formatMs(within.maxMs)} after the fault ${within.after === 'fault_start' ? 'started' : 'ended'} (${fault.fault} on ${fault.system})`,
  };
}
