/**
 * The `timing` evaluator: time to detect (fault start -> the first observation of the fault) and time to recover
 * (fault end -> the healthy state the system ends in), bounded by `min`/`max`. What is measured is core's
 * `FaultTimings`, the very implementation behind the report's `timings`: an item that names no `fault`, `system`,
 * `sources` or `healthy` measures exactly the report's figures.
 */
import { type EvaluationContext, type Evaluator, type FaultData, type FaultRecord, FaultTimings, faultToTime, type Observation, ObservationKinds } from '@tester/core';
import { pickFault } from '../common/anchor';
import { Catalog } from '../common/catalog';
import { formatMs } from '../common/duration';
import { describeAll } from '../common/evidence';
import { errored, failed, makeEvaluator, passed, pending, type Check, type CheckOutcome } from '../common/outcome';
import { ReadSources } from '../common/sources';
import type { TimingItem } from './schema';

export function createTimingEvaluator(item: TimingItem): Evaluator {
  const timings = new FaultTimings({ ...(item.sources ? { sources: item.sources } : {}), ...(item.healthy ? { healthy: item.healthy } : {}) });
  const read = new ReadSources(item.sources, new Set([ObservationKinds.systemState, ObservationKinds.event]));
  const faultObs = new Map<string, Observation>();
  const catalog = new Catalog({ systems: [item.system] });
  const checks: Check[] = [];
  const parts: string[] = [];

  function target(ctx: EvaluationContext, measure: 'detect' | 'recover'): { fault: FaultRecord; system: string } | CheckOutcome {
    const fault = item.fault ? pickFault(ctx.faults, item.fault) : faultToTime(ctx.faults, measure, item.system);
    if (fault) return { fault, system: item.system ?? fault.system };
    if (ctx.window.closed) return errored(`no fault${item.fault ? ` "${item.fault}"` : ''} was injected, so there is nothing to time${item.fault ? ` (faults: ${ctx.faults.map((f) => `${f.actionId}/${f.id}`).join(', ') || 'none'})` : ''}`);
    return pending(`${item.fault ? `fault "${item.fault}"` : 'a fault'} to start`);
  }

  const faultSeq = (f: FaultRecord, kind: string) => {
    const o = faultObs.get(`${kind}:${f.id}`);
    return o ? [o.seq] : [];
  };

  function judge(what: string, ms: number, b: { min?: number; max?: number }, evidence: number[], provisional: boolean): CheckOutcome {
    if (b.max !== undefined && ms > b.max) return failed(`${what} was ${formatMs(ms)}, more than the max ${formatMs(b.max)}`, evidence);
    if (b.min !== undefined && ms < b.min) return failed(`${what} was ${formatMs(ms)}, less than the min ${formatMs(b.min)}`, evidence);
    const range = [b.min !== undefined ? `>= ${formatMs(b.min)}` : '', b.max !== undefined ? `<= ${formatMs(b.max)}` : ''].filter(Boolean).join(' and ');
    return passed(`${what} was ${formatMs(ms)} (${range})`, evidence, provisional);
  }

  if (item.time_to_detect) {
    const b = item.time_to_detect;
    parts.push(`time to detect${b.min !== undefined ? ` >= ${formatMs(b.min)}` : ''}${b.max !== undefined ? ` <= ${formatMs(b.max)}` : ''}`);
    checks.push((ctx) => {
      const t = target(ctx, 'detect');
      if ('status' in t) return t;
      const { fault, system } = t;
      const detected = timings.detection(fault, system);
      const what = `time to detect ${fault.fault} on ${system}`;
      if (detected) {
        const first = detected.sighting.observation;
        return judge(`${what} (first seen: ${describeAll([first])})`, detected.ms, b, [...faultSeq(fault, ObservationKinds.faultStarted), first.seq], false);
      }
      const waited = ctx.clock.now() - fault.startedAt;
      if ((b.max !== undefined && waited > b.max) || ctx.window.closed)
        return failed(
          `${what}: nothing observed the fault in ${formatMs(waited)}${b.max !== undefined ? ` (max ${formatMs(b.max)})` : ''}`,
          faultSeq(fault, ObservationKinds.faultStarted),
          true,
        );
      return pending(`the first observation of ${fault.fault} on ${system}`, undefined, b.max === undefined ? undefined : fault.startedAt + b.max + 1);
    });
  }

  if (item.time_to_recover) {
    const b = item.time_to_recover;
    parts.push(`time to recover${b.min !== undefined ? ` >= ${formatMs(b.min)}` : ''}${b.max !== undefined ? ` <= ${formatMs(b.max)}` : ''}`);
    checks.push((ctx) => {
      const t = target(ctx, 'recover');
      if ('status' in t) return t;
      const { fault, system } = t;
      if (fault.endedAt === undefined) return pending(`fault ${fault.id} to end`);
      const end = fault.endedAt;
      const what = `time to recover ${system} from ${fault.fault}`;
      const recovered = timings.recovery({ endedAt: end }, system);
      if (recovered) {
        const entered = recovered.sighting;
        return judge(`${what} (${entered.state} at ${describeAll([entered.observation])})`, recovered.ms, b, [...faultSeq(fault, ObservationKinds.faultEnded), entered.observation.seq], !ctx.window.closed);
      }
      const last = timings.lastState(system);
      const now = last ? `still ${last.state} (${describeAll([last.observation])})` : 'no state seen';
      const lastSeq = last ? [last.observation.seq] : [];
      if (ctx.window.closed) return failed(`${what}: it did not recover, ${now} when the window closed`, lastSeq, !last);
      if (b.max !== undefined && ctx.clock.now() - end > b.max) return failed(`${what}: not recovered ${formatMs(b.max)} after the fault ended, ${now}`, lastSeq, !last);
      return pending(`${system} to reach ${timings.healthyStates(system).join(' or ')} after the fault (${now})`, undefined, b.max === undefined ? undefined : end + b.max + 1);
    });
  }

  return makeEvaluator({
    section: 'timing',
    description: parts.join('; '),
    sources: () => read.list(),
    needsClosedWindow: false,
    observe(o) {
      catalog.observe(o);
      read.observe(o);
      timings.observe(o);
      if (o.kind === ObservationKinds.faultStarted || o.kind === ObservationKinds.faultEnded) faultObs.set(`${o.kind}:${(o.data as FaultData).id}`, o);
    },
    checks: checks.map((c) => catalog.guard(c)),
  });
}
