/**
 * The `timing` evaluator: time to detect (fault start -> the first observation of the fault) and time to recover
 * (fault end -> the healthy state the system ends in), bounded by `min`/`max`.
 */
import type { EvaluationContext, EventData, Evaluator, FaultData, FaultRecord, Observation, SystemStateData } from '@tester/core';
import { pickFault } from '../common/anchor';
import { Catalog } from '../common/catalog';
import { formatMs } from '../common/duration';
import { describeAll } from '../common/evidence';
import { errored, failed, makeEvaluator, passed, pending, type Check, type Outcome } from '../common/outcome';
import type { TimingItem } from './schema';

interface Sighting {
  o: Observation;
  system: string;
  /** The state it shows, when it shows one. */
  state?: string;
}

export function createTimingEvaluator(item: TimingItem): Evaluator {
  const healthy = new Set(item.healthy);
  const sightings: Sighting[] = [];
  const faultObs = new Map<string, Observation>();
  const catalog = new Catalog({ systems: [item.system] });
  const checks: Check[] = [];
  const parts: string[] = [];

  function read(o: Observation): Sighting | undefined {
    if (o.kind === 'system.state' && o.source === 'api' && item.sources.includes('api')) {
      const d = o.data as SystemStateData;
      return typeof d?.state === 'string' ? { o, system: d.system, state: d.state } : undefined;
    }
    if (o.kind === 'event' && o.source === 'kafka' && item.sources.includes('kafka')) {
      const e = o.data as EventData;
      if (typeof e?.type !== 'string' || typeof e.system !== 'string') return undefined;
      // The control plane's echo of our own injection is not detection.
      if (e.type.startsWith('CHAOS_')) return undefined;
      const to = (e.payload as { to?: unknown } | undefined)?.to;
      return { o, system: e.system, state: e.type === 'STATE_CHANGED' && typeof to === 'string' ? to : undefined };
    }
    return undefined;
  }

  function target(ctx: EvaluationContext): { fault: FaultRecord; system: string } | Outcome {
    const fault = pickFault(ctx.faults, item.fault, item.system);
    if (fault) return { fault, system: item.system ?? fault.system };
    if (ctx.window.closed) return errored(`no fault${item.fault ? ` "${item.fault}"` : ''} was injected, so there is nothing to time${item.fault ? ` (faults: ${ctx.faults.map((f) => `${f.actionId}/${f.id}`).join(', ') || 'none'})` : ''}`);
    return pending(`${item.fault ? `fault "${item.fault}"` : 'a fault'} to start`);
  }

  const faultSeq = (f: FaultRecord, kind: string) => {
    const o = faultObs.get(`${kind}:${f.id}`);
    return o ? [o.seq] : [];
  };

  function judge(what: string, ms: number, b: { min?: number; max?: number }, evidence: number[], provisional: boolean): Outcome {
    if (b.max !== undefined && ms > b.max) return failed(`${what} was ${formatMs(ms)}, more than the max ${formatMs(b.max)}`, evidence);
    if (b.min !== undefined && ms < b.min) return failed(`${what} was ${formatMs(ms)}, less than the min ${formatMs(b.min)}`, evidence);
    const range = [b.min !== undefined ? `>= ${formatMs(b.min)}` : '', b.max !== undefined ? `<= ${formatMs(b.max)}` : ''].filter(Boolean).join(' and ');
    return passed(`${what} was ${formatMs(ms)} (${range})`, evidence, provisional);
  }

  if (item.time_to_detect) {
    const b = item.time_to_detect;
    parts.push(`time to detect${b.min !== undefined ? ` >= ${formatMs(b.min)}` : ''}${b.max !== undefined ? ` <= ${formatMs(b.max)}` : ''}`);
    checks.push((ctx) => {
      const t = target(ctx);
      if ('status' in t) return t;
      const { fault, system } = t;
      const first = sightings.find((s) => s.system === system && s.o.receivedAt >= fault.startedAt && (s.state === undefined || !healthy.has(s.state)));
      const what = `time to detect ${fault.fault} on ${system}`;
      if (first) {
        const ev = [...faultSeq(fault, 'fault.started'), first.o.seq];
        return judge(`${what} (first seen: ${describeAll([first.o])})`, first.o.receivedAt - fault.startedAt, b, ev, false);
      }
      const waited = ctx.clock.now() - fault.startedAt;
      if ((b.max !== undefined && waited > b.max) || ctx.window.closed)
        return failed(`${what}: nothing observed the fault in ${formatMs(waited)}${b.max !== undefined ? ` (max ${formatMs(b.max)})` : ''}`, faultSeq(fault, 'fault.started'), true);
      return pending(`the first observation of ${fault.fault} on ${system}`, undefined, b.max === undefined ? undefined : fault.startedAt + b.max + 1);
    });
  }

  if (item.time_to_recover) {
    const b = item.time_to_recover;
    parts.push(`time to recover${b.min !== undefined ? ` >= ${formatMs(b.min)}` : ''}${b.max !== undefined ? ` <= ${formatMs(b.max)}` : ''}`);
    checks.push((ctx) => {
      const t = target(ctx);
      if ('status' in t) return t;
      const { fault, system } = t;
      if (fault.endedAt === undefined) return pending(`fault ${fault.id} to end`);
      const end = fault.endedAt;
      const states = sightings.filter((s) => s.system === system && s.state !== undefined);
      // The healthy state the system ends in starts at the first of the trailing healthy sightings, across sources.
      let i = states.length;
      while (i > 0 && healthy.has(states[i - 1]!.state as string)) i--;
      const what = `time to recover ${system} from ${fault.fault}`;
      const last = states.at(-1);
      if (i < states.length) {
        const entered = states[i]!;
        const ms = Math.max(0, entered.o.receivedAt - end);
        return judge(`${what} (${entered.state} at ${describeAll([entered.o])})`, ms, b, [...faultSeq(fault, 'fault.ended'), entered.o.seq], !ctx.window.closed);
      }
      const now = last ? `still ${last.state} (${describeAll([last.o])})` : 'no state seen';
      if (ctx.window.closed) return failed(`${what}: it did not recover, ${now} when the window closed`, last ? [last.o.seq] : [], !last);
      if (b.max !== undefined && ctx.clock.now() - end > b.max)
        return failed(`${what}: not recovered ${formatMs(b.max)} after the fault ended, ${now}`, last ? [last.o.seq] : [], !last);
      return pending(`${system} to reach ${[...healthy].join(' or ')} after the fault (${now})`, undefined, b.max === undefined ? undefined : end + b.max + 1);
    });
  }

  return makeEvaluator({
    section: 'timing',
    description: parts.join('; '),
    sources: item.sources,
    needsClosedWindow: false,
    observe(o) {
      catalog.observe(o);
      if (o.kind === 'fault.started' || o.kind === 'fault.ended') faultObs.set(`${o.kind}:${(o.data as FaultData).id}`, o);
      const s = read(o);
      if (s) sightings.push(s);
    },
    checks: checks.map((c) => catalog.guard(c)),
  });
}
