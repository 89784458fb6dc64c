/** The `policies` evaluator: fired or not, outcome, how often, how soon, attempts, and what it followed. */
import { type EvaluationContext, type EventData, type Evaluator, type Observation, ObservationKinds, type PolicyExecutionData, readState } from '@tester/core';
import { resolveAnchor } from '../common/anchor';
import { Catalog } from '../common/catalog';
import { formatMs } from '../common/duration';
import { describeAll } from '../common/evidence';
import { at, errored, failed, makeEvaluator, passed, pending, type Check } from '../common/outcome';
import { ReadSources } from '../common/sources';
import type { PoliciesItem } from './schema';

interface Execution {
  id: string;
  firstSeenAt: number;
  /** When the source says it was triggered (epoch ms), if it says. */
  triggeredAt?: number;
  status: string;
  attempts?: number;
  /** Every observation of it, first to last. */
  observations: Observation[];
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED']);

/** An epoch-ms time from a source's own field (ISO string or number). */
function epoch(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** When the control plane says an anchor (event or state) happened. */
function sourceTimeOf(o: Observation): number | undefined {
  const d = o.data as { timestamp?: unknown; since?: unknown };
  return epoch(o.kind === ObservationKinds.event ? d.timestamp : d.since) ?? o.sourceTime;
}
const EVENT_STATUS: Record<string, string> = { POLICY_TRIGGERED: 'RUNNING', POLICY_SUCCEEDED: 'SUCCEEDED', POLICY_FAILED: 'FAILED' };

export function createPoliciesEvaluator(item: PoliciesItem): Evaluator {
  const policy = item.policy_id;
  const executions = new Map<string, Execution>();
  const anchors: Observation[] = [];
  const checks: Check[] = [];
  const parts: string[] = [];
  // Executions: policy.execution from any source (or the named ones), and POLICY_* events from the named ones.
  const read = new ReadSources(item.sources, new Set(item.sources ? [ObservationKinds.policyExecution, ObservationKinds.event] : [ObservationKinds.policyExecution]));
  // The `after` anchor is read from any source: the sources that recorded its kind count for blindness too.
  const anchorKind = item.after ? ('event' in item.after ? ObservationKinds.event : ObservationKinds.systemState) : undefined;
  const anchorSources = anchorKind ? new ReadSources(undefined, new Set([anchorKind])) : undefined;
  const catalog = new Catalog({ policies: [policy], systems: [item.system] });
  let closedOnly = false;

  const inWin = (ctx: EvaluationContext) => [...executions.values()].filter((e) => e.firstSeenAt >= (ctx.window.opensAt as number));
  const evidence = (xs: Execution[]) => xs.flatMap((e) => [e.observations[0]!.seq, ...(e.observations.length > 1 ? [e.observations.at(-1)!.seq] : [])]);
  const show = (xs: Execution[]) => describeAll(xs.map((e) => e.observations.at(-1)!));
  const fired = (xs: Execution[]) => `${policy} fired ${xs.length} time${xs.length === 1 ? '' : 's'}${xs.length ? ` (${show(xs)})` : ''}`;

  if (item.should_fire === true) {
    parts.push(`${policy} fires`);
    checks.push((ctx) => {
      const xs = inWin(ctx);
      if (xs.length) return passed(`${policy} fired (${show(xs.slice(0, 1))})`, evidence(xs.slice(0, 1)));
      return ctx.window.closed ? failed(`expected ${policy} to fire, it did not`, [], true) : pending(`${policy} to fire`);
    });
  }
  if (item.should_fire === false) {
    parts.push(`${policy} does not fire`);
    closedOnly = true;
    checks.push((ctx) => {
      const xs = inWin(ctx);
      if (xs.length) return failed(`expected ${policy} not to fire, ${fired(xs)}`, evidence(xs));
      return ctx.window.closed ? passed(`${policy} did not fire`, []) : pending(`the window to close (${policy} has not fired so far)`);
    });
  }
  if (item.outcome) {
    const want = item.outcome;
    parts.push(`${policy} ends ${want}`);
    checks.push((ctx) => {
      const xs = inWin(ctx);
      const wrong = xs.filter((e) => FINISHED.has(e.status) && e.status !== want);
      if (wrong.length) return failed(`expected ${policy} to end ${want}, ${wrong.map((e) => `${e.id} ended ${e.status}`).join(', ')} (${show(wrong)})`, evidence(wrong));
      const done = xs.filter((e) => e.status === want);
      const running = xs.filter((e) => !FINISHED.has(e.status));
      if (done.length && !running.length) return passed(`${policy} ended ${want} (${show(done)})`, evidence(done), !ctx.window.closed);
      if (ctx.window.closed)
        return failed(
          running.length ? `expected ${policy} to end ${want}, still ${running.map((e) => `${e.id} ${e.status}`).join(', ')} when the window closed` : `expected ${policy} to end ${want}, it did not fire`,
          evidence(running),
          !running.length,
        );
      return pending(`${policy} to end ${want}${running.length ? ` (${running.map((e) => `${e.id} ${e.status}`).join(', ')})` : ''}`, evidence(xs));
    });
  }
  if (item.times !== undefined) {
    const n = item.times;
    parts.push(`${policy} fires exactly ${n} times`);
    closedOnly = true;
    checks.push((ctx) => {
      const xs = inWin(ctx);
      if (xs.length > n) return failed(`expected ${policy} to fire exactly ${n} time${n === 1 ? '' : 's'}, ${fired(xs)}`, evidence(xs));
      if (!ctx.window.closed) return pending(`the window to close to count ${policy}'s executions (${xs.length} so far)`, evidence(xs));
      return xs.length === n ? passed(fired(xs), evidence(xs)) : failed(`expected ${policy} to fire exactly ${n} time${n === 1 ? '' : 's'}, ${fired(xs)}`, evidence(xs), true);
    });
  }
  if (item.min_times !== undefined) {
    const n = item.min_times;
    parts.push(`${policy} fires at least ${n} times`);
    checks.push((ctx) => {
      const xs = inWin(ctx);
      if (xs.length >= n) return passed(fired(xs), evidence(xs));
      return ctx.window.closed ? failed(`expected ${policy} to fire at least ${n} times, ${fired(xs)}`, evidence(xs), true) : pending(`${policy} to fire ${n - xs.length} more time(s)`);
    });
  }
  if (item.max_times !== undefined) {
    const n = item.max_times;
    parts.push(`${policy} fires at most ${n} times`);
    closedOnly = true;
    checks.push((ctx) => {
      const xs = inWin(ctx);
      if (xs.length > n) return failed(`expected ${policy} to fire at most ${n} times, ${fired(xs)}`, evidence(xs));
      return ctx.window.closed ? passed(fired(xs), evidence(xs)) : pending(`the window to close (${policy} fired ${xs.length} times so far)`, evidence(xs));
    });
  }
  if (item.within) {
    const within = item.within;
    parts.push(`${policy} fires within ${formatMs(within.maxMs)} after ${within.after}`);
    checks.push((ctx) => {
      const anchor = resolveAnchor(ctx, within, item.system);
      if (anchor.kind === 'none') return errored(anchor.why);
      if (anchor.kind === 'waiting') return pending(anchor.why);
      const first = [...executions.values()].find((e) => e.firstSeenAt >= anchor.from);
      if (first && first.firstSeenAt <= anchor.deadline) return passed(`${policy} fired at ${at(ctx, first.firstSeenAt)}, ${anchor.label}`, evidence([first]));
      if (first) return failed(`${policy} fired ${formatMs(first.firstSeenAt - anchor.from)} after the anchor, not ${anchor.label} (${show([first])})`, evidence([first]));
      if (ctx.clock.now() > anchor.deadline || ctx.window.closed) return failed(`${policy} did not fire ${anchor.label}`, [], true);
      return pending(`${policy} to fire by ${at(ctx, anchor.deadline)}`, undefined, anchor.deadline + 1);
    });
  }
  if (item.max_attempts !== undefined) {
    const n = item.max_attempts;
    parts.push(`${policy} takes at most ${n} attempts`);
    checks.push((ctx) => {
      const xs = inWin(ctx);
      const over = xs.filter((e) => (e.attempts ?? 0) > n);
      if (over.length) return failed(`expected ${policy} to take at most ${n} attempt${n === 1 ? '' : 's'}, ${over.map((e) => `${e.id} took ${e.attempts}`).join(', ')} (${show(over)})`, evidence(over));
      const running = xs.filter((e) => !FINISHED.has(e.status));
      if (ctx.window.closed || (xs.length && !running.length))
        return passed(xs.length ? `${policy} took at most ${n} attempts (${xs.map((e) => `${e.id}: ${e.attempts ?? '?'}`).join(', ')})` : `${policy} did not fire`, evidence(xs), !ctx.window.closed);
      return pending(`${policy}'s executions to finish (attempts so far: ${xs.map((e) => e.attempts ?? '?').join(', ') || 'none'})`);
    });
  }
  if (item.after) {
    const after = item.after;
    const label = 'event' in after ? `a ${after.event} event` : `${item.system ?? 'a system'} in state ${after.state}`;
    parts.push(`${policy} fires only after ${label}`);
    checks.push((ctx) => {
      const xs = inWin(ctx);
      const anchor = anchors.find((o) => o.receivedAt >= (ctx.window.opensAt as number));
      // Sources are polled and consumed at different paces (the api may show an execution before kafka delivers
      // the event that caused it), so compare the control plane's own times when both sides carry one.
      const anchorAt = anchor ? sourceTimeOf(anchor) : undefined;
      const before = (e: Execution) =>
        anchor !== undefined && (anchorAt !== undefined && e.triggeredAt !== undefined ? e.triggeredAt < anchorAt : e.firstSeenAt < anchor.receivedAt);
      // Fired with no anchor seen yet: the anchor may still arrive (from a slower source), so only the closed
      // window can say it never came.
      const early = ctx.window.closed && !anchor ? xs : xs.filter(before);
      if (early.length)
        return failed(
          `${policy} fired at ${at(ctx, early[0]!.firstSeenAt)} ${anchor ? `before ${label} (${describeAll([anchor])})` : `without ${label}`} (${show(early)})`,
          [...evidence(early), ...(anchor ? [anchor.seq] : [])],
          !anchor,
        );
      if (xs.length && anchor) return passed(`${policy} fired after ${label} (${describeAll([anchor])}, then ${show(xs)})`, [anchor.seq, ...evidence(xs)], !ctx.window.closed);
      if (ctx.window.closed) return passed(`${policy} did not fire, so not before ${label}`, anchor ? [anchor.seq] : []);
      return pending(xs.length ? `${label} (${policy} fired; the ${'event' in after ? 'event' : 'state'} may still arrive)` : `${policy} to fire after ${label}`, evidence(xs));
    });
  }

  function observe(o: Observation): void {
    catalog.observe(o);
    read.observe(o);
    anchorSources?.observe(o);
    if (item.after && o.receivedAt !== undefined) {
      const a = item.after;
      if ('event' in a && o.kind === ObservationKinds.event && (o.data as EventData).type === a.event && (!item.system || (o.data as EventData).system === item.system)) anchors.push(o);
      // A state seen sampled (`system.state`), not a transition: `since` is the source's own time of it.
      const s = o.kind === ObservationKinds.systemState ? readState(o) : undefined;
      if ('state' in a && s && s.state === a.state && (!item.system || s.system === item.system)) anchors.push(o);
    }
    if (!read.reads(o.source)) return;
    let id: string | undefined;
    let status: string | undefined;
    let attempts: number | undefined;
    let triggeredAt: number | undefined;
    if (o.kind === ObservationKinds.policyExecution) {
      const d = o.data as PolicyExecutionData;
      if (d.policyId !== policy || (item.system && d.system !== undefined && d.system !== item.system)) return;
      ({ id, status, attempts } = d);
      triggeredAt = epoch(d.triggeredAt);
    } else if (o.kind === ObservationKinds.event && item.sources) {
      const e = o.data as EventData;
      const p = (e.payload ?? {}) as { policyId?: string; executionId?: string; attempts?: number };
      if (!EVENT_STATUS[e.type] || p.policyId !== policy || (item.system && e.system !== item.system)) return;
      id = p.executionId ?? e.id;
      status = EVENT_STATUS[e.type];
      attempts = p.attempts;
      if (e.type === 'POLICY_TRIGGERED') triggeredAt = epoch(e.timestamp) ?? o.sourceTime;
    }
    if (id === undefined || status === undefined) return;
    const known = executions.get(id);
    if (!known) {
      executions.set(id, { id, firstSeenAt: o.receivedAt, triggeredAt, status, attempts, observations: [o] });
      return;
    }
    known.observations.push(o);
    known.triggeredAt ??= triggeredAt;
    // A RUNNING seen late (kafka after the api saw it finish) must not undo the end.
    if (!FINISHED.has(known.status) || FINISHED.has(status)) known.status = status;
    if (attempts !== undefined) known.attempts = Math.max(attempts, known.attempts ?? 0);
  }

  return makeEvaluator({
    section: 'policies',
    description: parts.join('; '),
    sources: () => [...new Set([...read.list(), ...(anchorSources?.list() ?? [])])],
    needsClosedWindow: closedOnly,
    observe,
    checks: checks.map((c) => catalog.guard((ctx: EvaluationContext) => (ctx.window.opensAt === undefined ? pending('the window to open (the first action to start)') : c(ctx)))),
  });
}
