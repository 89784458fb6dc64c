/**
 * The `states` evaluator: final state (and hold), sequence, illegal states, within, durations, and the agreement
 * of two or more sources. States are read from any source (`system.state`), or from the sources named in
 * `sources:` (their `system.state` observations and `STATE_CHANGED` events).
 */
import { type EvaluationContext, type Evaluator, type Observation, ObservationKinds, readState, SystemVocabularies, classifyState } from '@tester/core';
import { resolveAnchor, type Within } from '../common/anchor';
import { Catalog } from '../common/catalog';
import { formatMs } from '../common/duration';
import { at, combine, errored, failed, makeEvaluator, passed, pending, type Check, type CheckOutcome } from '../common/outcome';
import { ReadSources } from '../common/sources';
import type { StatesItem } from './schema';
import { path, StateTrack, type Visit } from './track';

const NOT_OPEN = 'the window to open (the first action to start)';

function isSubsequence(wanted: readonly string[], seen: readonly Visit[]): Visit[] | undefined {
  const matched: Visit[] = [];
  let i = 0;
  for (const v of seen) {
    if (i < wanted.length && v.state === wanted[i]) {
      matched.push(v);
      i++;
    }
  }
  return i === wanted.length ? matched : undefined;
}

const visitEvidence = (vs: readonly Visit[]) => vs.flatMap((v) => [v.seq, ...(v.leftSeq !== undefined ? [v.leftSeq] : [])]);

export function createStatesEvaluator(item: StatesItem): Evaluator {
  const { system } = item;
  const named = item.sources;
  const read = new ReadSources(named, new Set(named ? [ObservationKinds.systemState, ObservationKinds.event] : [ObservationKinds.systemState]));
  // Named sources: one track each, reading its states and its STATE_CHANGED events. Otherwise a track per source
  // that records a system.state of this system, made when the first one arrives.
  const tracks = new Map((named ?? []).map((s) => [s, new StateTrack(system, s)] as const));
  const none = new StateTrack(system, '(none)', false);
  /** The view the checks read: the first source with sampled states (the api's, with [api, kafka]), else the first with any. */
  const main = (): StateTrack => {
    const all = [...tracks.values()];
    return all.find((t) => t.sampled) ?? all.find((t) => t.visits.length) ?? all[0] ?? none;
  };
  const vocabularies = new SystemVocabularies();
  const catalog = new Catalog({ systems: [system] });
  const checks: Check[] = [];
  const parts: string[] = [];

  if (item.final_state !== undefined) {
    const want = item.final_state;
    const hold = item.hold;
    parts.push(`${system} ends ${want}${hold ? ` and holds it ${formatMs(hold)}` : ''}`);
    checks.push((ctx) => finalState(ctx, main(), want, hold));
  }
  if (item.sequence) {
    const seq = item.sequence;
    parts.push(`${system} goes ${seq.join(' → ')}${item.strict ? ' (strict)' : ''}`);
    checks.push((ctx) => sequence(ctx, main(), seq, item.strict ?? false));
  }
  if (item.illegal_states) {
    const illegal = item.illegal_states;
    parts.push(`${system} never enters ${illegal.join(', ')}`);
    checks.push((ctx) => illegalStates(ctx, main(), illegal));
  }
  if (item.within) {
    const within = item.within;
    const state = (within.state ?? item.final_state) as string;
    parts.push(`${system} reaches ${state} within ${formatMs(within.maxMs)} after ${within.after}`);
    checks.push((ctx) => reachedWithin(ctx, main(), state, within));
  }
  for (const [state, max] of Object.entries(item.max_duration ?? {})) {
    parts.push(`${system} stays ${state} at most ${formatMs(max)}`);
    checks.push((ctx) => maxDuration(ctx, main(), state, max));
  }
  for (const [state, min] of Object.entries(item.min_duration ?? {})) {
    parts.push(`${system} stays ${state} at least ${formatMs(min)}`);
    checks.push((ctx) => minDuration(ctx, main(), state, min));
  }
  const agreement = named !== undefined && named.length >= 2;
  if (agreement) {
    parts.push(`${named.slice(0, -1).join(', ')} and ${named.at(-1)} agree on ${system}'s transitions`);
    checks.push((ctx) => {
      const x = main();
      return combine([...tracks.values()].filter((y) => y !== x).map((y) => agree(ctx, x, y)));
    });
  }

  return makeEvaluator({
    section: 'states',
    description: parts.join('; '),
    sources: () => read.list(),
    needsClosedWindow: Boolean(item.illegal_states || item.max_duration || item.min_duration || agreement),
    observe: (o: Observation) => {
      catalog.observe(o);
      read.observe(o);
      vocabularies.observe(o);
      if (!named && !tracks.has(o.source)) {
        const reading = readState(o);
        if (reading && !reading.event && reading.system === system) tracks.set(o.source, new StateTrack(system, o.source, false));
      }
      tracks.forEach((t) => t.observe(o));
    },
    checks: checks.map((c) => catalog.guard((ctx: EvaluationContext) => (ctx.window.opensAt === undefined ? pending(NOT_OPEN) : c(ctx)))),
  });

  /** `from api`, `from any source`; and, when nothing was read, which sources did record states. */
  function fromWhere(): string {
    const where = named ? `from ${named.join(' or ')}` : 'from any source';
    const others = read.recorded().filter((s) => !read.reads(s));
    return others.length ? `${where} (system.state was recorded by ${others.join(', ')}, which sources does not name)` : where;
  }

  /** `DISCONNECTED is a failed state`, per the system's vocabulary. */
  function meaning(state: string): string {
    const { kind, vocabulary } = vocabularies.of(system);
    const cls = classifyState(state, vocabulary);
    return cls ? `${state} is a ${cls} state` : `${state} is not in the ${kind} state vocabulary`;
  }

  function finalState(ctx: EvaluationContext, track: StateTrack, want: string, holdMs: number | undefined): CheckOutcome {
    const cur = track.current();
    const seen = path(track.visitsFrom(ctx.window.opensAt as number));
    if (ctx.window.closed) {
      if (!cur) return failed(`no state of ${system} was observed ${fromWhere()}, expected it to end ${want}`, [], true);
      if (cur.state !== want) return failed(`${system} ended ${cur.state}, expected ${want}: ${meaning(cur.state)} (seen: ${seen})`, [cur.seq]);
      const heldFor = (ctx.window.closesAt as number) - Math.max(cur.enteredAt, lastFaultEnd(ctx));
      if (holdMs !== undefined && heldFor < holdMs)
        return failed(
          `${system} reached ${want} at ${at(ctx, cur.enteredAt)} but the window closed after ${formatMs(heldFor)} of the ${formatMs(holdMs)} hold (raise window.settle or window.after)`,
          [cur.seq],
          true,
        );
      return passed(`${system} ended ${want} (seen: ${seen})`, [cur.seq]);
    }
    const active = ctx.faults.find((f) => f.endedAt === undefined);
    if (active) return pending(`fault ${active.id} to end before judging ${system}'s final state (now ${cur?.state ?? 'unknown'})`);
    if (cur?.state !== want) return pending(`${system} to reach ${want} (now ${cur?.state ?? 'unknown'}; seen: ${seen})`, cur ? [cur.seq] : []);
    const since = Math.max(cur.enteredAt, lastFaultEnd(ctx));
    if (holdMs !== undefined && ctx.clock.now() - since < holdMs)
      return pending(`${system} to hold ${want} until ${at(ctx, since + holdMs)} (reached ${at(ctx, cur.enteredAt)})`, [cur.seq], since + holdMs);
    return passed(`${system} reached ${want}${holdMs ? ` and held it ${formatMs(holdMs)}` : ''} (seen: ${seen})`, [cur.seq], true);
  }

  function sequence(ctx: EvaluationContext, track: StateTrack, want: readonly string[], strict: boolean): CheckOutcome {
    const seen = track.visitsFrom(ctx.window.opensAt as number);
    const wanted = want.join(' → ');
    if (!strict) {
      const matched = isSubsequence(want, seen);
      if (matched) return passed(`${system} went ${wanted} (seen: ${path(seen)})`, matched.map((v) => v.seq));
      if (ctx.window.closed) return failed(`${system} did not go ${wanted}: saw ${path(seen)}`, visitEvidence(seen), true);
      return pending(`${system} to go ${wanted} (seen so far: ${path(seen)})`, visitEvidence(seen));
    }
    const diverge = seen.findIndex((v, i) => v.state !== want[i]);
    if (diverge !== -1)
      return failed(`${system} went ${path(seen)}, expected exactly ${wanted} (state ${diverge + 1} was ${seen[diverge]?.state})`, visitEvidence(seen));
    if (seen.length === want.length) return passed(`${system} went exactly ${wanted}`, visitEvidence(seen), !ctx.window.closed);
    if (ctx.window.closed) return failed(`${system} went only ${path(seen)}, expected exactly ${wanted}`, visitEvidence(seen), true);
    return pending(`${system} to go exactly ${wanted} (seen so far: ${path(seen)})`, visitEvidence(seen));
  }

  function illegalStates(ctx: EvaluationContext, track: StateTrack, illegal: readonly string[]): CheckOutcome {
    const seen = track.visitsFrom(ctx.window.opensAt as number);
    const bad = seen.filter((v) => illegal.includes(v.state));
    if (bad.length) return failed(`${system} entered illegal state ${bad.map((v) => `${v.state} at ${at(ctx, v.enteredAt)}`).join(', ')} (seen: ${path(seen)})`, bad.map((v) => v.seq));
    if (ctx.window.closed) {
      if (!seen.length) return failed(`no state of ${system} was observed ${fromWhere()}`, [], true);
      return passed(`${system} never entered ${illegal.join(', ')} (seen: ${path(seen)})`, visitEvidence(seen));
    }
    return pending(`the window to close (${system} has not entered ${illegal.join(', ')} so far)`, visitEvidence(seen));
  }

  function reachedWithin(ctx: EvaluationContext, track: StateTrack, state: string, within: Within): CheckOutcome {
    const anchor = resolveAnchor(ctx, within, system);
    if (anchor.kind === 'none') return errored(anchor.why);
    if (anchor.kind === 'waiting') return pending(anchor.why);
    const hit = track.visits.find((v) => v.state === state && v.enteredAt <= anchor.deadline && (v.leftAt ?? Number.POSITIVE_INFINITY) >= anchor.from);
    if (hit) return passed(`${system} was ${state} at ${at(ctx, Math.max(hit.enteredAt, anchor.from))}, ${anchor.label}`, [hit.seq]);
    if (ctx.clock.now() > anchor.deadline || ctx.window.closed) {
      const atDeadline = [...track.visits].reverse().find((v) => v.enteredAt <= anchor.deadline);
      const later = track.visits.find((v) => v.state === state && v.enteredAt > anchor.deadline);
      return failed(
        `${system} did not reach ${state} ${anchor.label}: it was ${atDeadline?.state ?? 'unknown'} at the deadline ${at(ctx, anchor.deadline)}` +
          (later ? `; reached it ${formatMs(later.enteredAt - anchor.from)} after, at ${at(ctx, later.enteredAt)}` : ''),
        [...(atDeadline ? [atDeadline.seq] : []), ...(later ? [later.seq] : [])],
        !later,
      );
    }
    return pending(`${system} to reach ${state} by ${at(ctx, anchor.deadline)}`, undefined, anchor.deadline + 1);
  }

  function visitsOf(ctx: EvaluationContext, track: StateTrack, state: string) {
    const opens = ctx.window.opensAt as number;
    return track.visitsFrom(opens).filter((v) => v.state === state).map((v) => ({ v, ms: (v.leftAt ?? ctx.clock.now()) - Math.max(v.enteredAt, opens) }));
  }

  function maxDuration(ctx: EvaluationContext, track: StateTrack, state: string, max: number): CheckOutcome {
    const visits = visitsOf(ctx, track, state);
    const long = visits.find((x) => x.ms > max);
    if (long)
      return failed(
        `${system} stayed ${state} ${long.v.leftAt === undefined ? 'for more than' : 'for'} ${formatMs(long.ms)} (from ${at(ctx, long.v.enteredAt)}), more than ${formatMs(max)}`,
        visitEvidence([long.v]),
      );
    if (ctx.window.closed) return passed(`${system} never stayed ${state} longer than ${formatMs(max)} (${visits.map((x) => formatMs(x.ms)).join(', ') || 'never entered'})`, visitEvidence(visits.map((x) => x.v)));
    return pending(`the window to close (${system} has not stayed ${state} longer than ${formatMs(max)} so far)`);
  }

  function minDuration(ctx: EvaluationContext, track: StateTrack, state: string, min: number): CheckOutcome {
    const visits = visitsOf(ctx, track, state);
    const short = visits.find((x) => x.v.leftAt !== undefined && x.ms < min);
    if (short) return failed(`${system} stayed ${state} only ${formatMs(short.ms)} (from ${at(ctx, short.v.enteredAt)}), less than ${formatMs(min)}`, visitEvidence([short.v]));
    if (!ctx.window.closed) return pending(`the window to close (${system}'s visits to ${state} so far: ${visits.length})`);
    if (!visits.length) return failed(`${system} never entered ${state} (seen: ${path(track.visitsFrom(ctx.window.opensAt as number))})`, [], true);
    return passed(`${system} stayed ${state} at least ${formatMs(min)} each time (${visits.map((x) => formatMs(x.ms)).join(', ')})`, visitEvidence(visits.map((x) => x.v)));
  }

  /**
   * Two sources agree on the transitions. A sampled view (`system.state`, polled) may miss a short state; a stream
   * of transitions (`STATE_CHANGED`) sees every one: so the sampled view's states must appear in the other's, in
   * order, and both must end in the same state; a `STATE_CHANGED` whose `from` skips a state is a lost transition.
   */
  function agree(ctx: EvaluationContext, x: StateTrack, y: StateTrack): CheckOutcome {
    if (!ctx.window.closed) return pending(`the window to close to compare the ${x.source} and ${y.source} views`);
    const opens = ctx.window.opensAt as number;
    const xv = x.visitsFrom(opens);
    const yv = y.visitsFrom(opens);
    const evidence = [...visitEvidence(xv), ...visitEvidence(yv)];
    const skipped = [x, y].flatMap((t) => {
      const gaps = t.gaps.filter((g) => (t.observations.find((o) => o.seq === g.seq)?.receivedAt ?? 0) >= opens);
      return gaps.length ? [{ t, gaps }] : [];
    });
    if (skipped.length)
      return failed(
        skipped
          .map(({ t, gaps }) => `${t.source} skipped a transition of ${system}: ${gaps.map((g) => `after ${g.expected} the next STATE_CHANGED came from ${g.got} (#${g.seq})`).join('; ')}`)
          .join('; '),
        [...skipped.flatMap(({ gaps }) => gaps.map((g) => g.seq)), ...evidence],
      );
    // Which view may have missed states: the sampled one; between two of a kind, the one without transitions.
    const xSampled = x.sampled !== y.sampled ? x.sampled : x.transitions === y.transitions || !x.transitions;
    const [a, k] = xSampled ? [xv, yv] : [yv, xv];
    if (!a.length && !k.length) return failed(`neither ${x.source} nor ${y.source} showed a state of ${system}`, [], true);
    // No transition at all agrees with a sampled view that saw one unchanging state.
    const consistent = k.length ? isSubsequence(a.map((v) => v.state), k) !== undefined && a.at(-1)?.state === k.at(-1)?.state : a.length === 1;
    if (!consistent) return failed(`${x.source} and ${y.source} disagree on ${system}: ${x.source} saw ${path(xv)}, ${y.source} saw ${path(yv)}`, evidence, !a.length || !k.length);
    return passed(`${x.source} and ${y.source} agree on ${system}: ${path(k)}`, evidence);
  }
}

function lastFaultEnd(ctx: EvaluationContext): number {
  return Math.max(Number.NEGATIVE_INFINITY, ...ctx.faults.map((f) => f.endedAt ?? Number.NEGATIVE_INFINITY));
}
