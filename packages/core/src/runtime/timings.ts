/** Derived timings: time to detect and time to recover (DESIGN.md "Observations and evidence"). */
import type { FaultRecord } from '../contract';
import { ObservationKinds, type EventData, type SystemStateData } from '../observation';
import type { ScenarioTimings } from '../result-types';
import type { TimelineView } from '../timeline-types';

/** The state a system is in when healthy, unless it was seen in another one just before the fault. */
const HEALTHY = 'CONNECTED';

function stateOf(data: unknown): SystemStateData | undefined {
  const d = data as Partial<SystemStateData>;
  return typeof d?.state === 'string' ? (d as SystemStateData) : undefined;
}

/**
 * Time to detect: first fault start -> the first later observation of it (a `system.state` of its system away
 * from the state before the fault, or an `event` of its system other than the tester's own chaos events).
 * Time to recover: last fault end -> the last `system.state` of that system, when it came after the end (0 when
 * the system was already back in its healthy state when the fault ended).
 */
export function deriveTimings(faults: readonly FaultRecord[], timeline: TimelineView): ScenarioTimings {
  const out: ScenarioTimings = {};
  const first = [...faults].sort((a, b) => a.startedAt - b.startedAt)[0];
  if (first) {
    const before = timeline.query({ kind: ObservationKinds.systemState, subject: first.system, until: first.startedAt });
    const healthy = stateOf(before[before.length - 1]?.data)?.state ?? HEALTHY;
    const detection = timeline.query({ kind: [ObservationKinds.systemState, ObservationKinds.event], since: first.startedAt }).find((o) => {
      if (o.kind === ObservationKinds.systemState) {
        const state = stateOf(o.data);
        return (state?.system ?? o.subject) === first.system && state !== undefined && state.state !== healthy;
      }
      const event = o.data as Partial<EventData>;
      return event?.system === first.system && typeof event.type === 'string' && !event.type.startsWith('CHAOS_');
    });
    if (detection) out.timeToDetectMs = detection.receivedAt - first.startedAt;
  }
  const ended = faults.filter((f) => f.endedAt !== undefined).sort((a, b) => a.endedAt! - b.endedAt!);
  const last = ended[ended.length - 1];
  if (last && last.endedAt !== undefined) {
    const states = timeline.query({ kind: ObservationKinds.systemState, subject: last.system });
    const final = states[states.length - 1];
    if (final && final.receivedAt >= last.endedAt) out.timeToRecoverMs = final.receivedAt - last.endedAt;
    else if (final && stateOf(final.data)?.state === HEALTHY) out.timeToRecoverMs = 0;
  }
  return out;
}
