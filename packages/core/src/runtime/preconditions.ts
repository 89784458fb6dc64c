/** Preconditions: CEL expressions over the latest observed state of each system. */
import { compileCel } from '../cel';
import type { Clock } from '../clock';
import { formatMs } from '../duration';
import { errorMessage } from '../errors';
import { ObservationKinds, type SystemStateData } from '../observation';
import type { PreconditionResult } from '../result-types';
import type { ScenarioPrecondition } from '../scenario-types';
import type { TimelineView } from '../timeline-types';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The CEL variables of the observed state: `<id>.state`/`<id>.since` for each system whose id is an identifier,
 * and `systems["<id>"]` for every system (`systems["mysql-2"].state`).
 */
export function stateVariables(timeline: TimelineView): Record<string, unknown> {
  const systems: Record<string, { state: string; since: string | number | null }> = {};
  for (const observation of timeline.query({ kind: ObservationKinds.systemState })) {
    const data = observation.data as Partial<SystemStateData>;
    const id = data.system ?? observation.subject;
    if (!id || typeof data.state !== 'string') continue;
    systems[id] = { state: data.state, since: data.since ?? null };
  }
  const vars: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(systems)) if (IDENTIFIER.test(id) && id !== 'systems') vars[id] = value;
  vars.systems = systems;
  return vars;
}

/** Evaluates each precondition: `passed` when it is `true`, `failed` otherwise, `error` when it cannot be evaluated. */
export function evaluatePreconditions(preconditions: readonly ScenarioPrecondition[], timeline: TimelineView): PreconditionResult[] {
  const vars = stateVariables(timeline);
  const observed = Object.entries(vars.systems as Record<string, { state: string }>)
    .map(([id, v]) => `${id}=${v.state}`)
    .join(', ');
  return preconditions.map(({ expression, line, column }) => {
    try {
      const value = compileCel(expression)(vars);
      if (value === true) return { expression, line, column, status: 'passed', message: 'true' };
      return { expression, line, column, status: 'failed', message: `precondition not met: ${expression} is ${JSON.stringify(value)} (observed: ${observed || 'no system state yet'})` };
    } catch (error) {
      return { expression, line, column, status: 'error', message: `${errorMessage(error)} (observed: ${observed || 'no system state yet'})` };
    }
  });
}

/**
 * Waits, event-driven, until every precondition holds and nothing is `busy` on the scenario's systems (a drift
 * the previous scenario's rollback left to reconcile, a policy still running), or `boundMs` passes (or the run's
 * signal aborts): a scenario that starts while its system is still recovering from the previous one waits
 * instead of failing. Resolves with the last results, how long it waited, and what was still busy if anything.
 */
export async function awaitPreconditions(
  preconditions: readonly ScenarioPrecondition[],
  timeline: TimelineView,
  clock: Clock,
  boundMs: number,
  signal: AbortSignal,
  busy: () => string | undefined = () => undefined,
): Promise<{ results: PreconditionResult[]; waitedMs: number; busy?: string }> {
  const started = clock.now();
  const deadline = started + boundMs;
  const local = new AbortController();
  const stop = () => local.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const results = evaluatePreconditions(preconditions, timeline);
      const waitedMs = clock.now() - started;
      // A CEL error (a type error, a missing system) will not go away by waiting... unless the system appears.
      const stillBusy = busy();
      if ((results.every((r) => r.status === 'passed') && stillBusy === undefined) || signal.aborted || clock.now() >= deadline) {
        return {
          results: results.map((r) => (r.status === 'passed' ? r : { ...r, message: `${r.message}; waited ${formatMs(waitedMs)}` })),
          waitedMs,
          ...(stillBusy === undefined ? {} : { busy: `${stillBusy} (waited ${formatMs(waitedMs)})` }),
        };
      }
      const next = new AbortController();
      await new Promise<void>((resolve) => {
        const done = () => {
          unsubscribe();
          local.signal.removeEventListener('abort', done);
          next.abort();
          resolve();
        };
        // Any observation may change a state or end the work in progress.
        const unsubscribe = timeline.subscribe(done);
        local.signal.addEventListener('abort', done, { once: true });
        clock.until(deadline, next.signal).then(done, () => {});
      });
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
