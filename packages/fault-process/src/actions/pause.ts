/**
 * `PROCESS_PAUSE`: stops a process with SIGSTOP for `duration`, then continues it with SIGCONT. The ledger entry
 * (pid + start time from /proc) is written BEFORE the SIGSTOP; the process is continued at the deadline (on the
 * run's clock), by the rollback on every other exit path, by an 'exit' hook if the tester exits some other way, and
 * by `recover` in `tester cleanup` after a kill -9 — each only if the pid still names the process that was paused.
 */
import { durationSchema, formatMs, z, type ActionContext, type ActionDefinition, type Clock, type LedgerEntry, type PluginContext, TesterError } from '@tester/core';
import type { ProcessConfig } from '../options';
import { noteContinued, notePaused } from '../paused';
import { sameProcess } from '../proc';
import { checkTarget, resolveTarget, targetShape } from '../target';
import { timedFault } from '@tester/core';


export const pauseParamsSchema = z
  .strictObject({
    ...targetShape,
    /** How long the process stays stopped; tester continues it at this deadline. */
    duration: durationSchema,
    /** The system the fault is about (for scheduling, windows, settling and time to recover). */
    system: z.string().min(1),
  })
  .superRefine(checkTarget);
export type PauseParams = z.output<typeof pauseParamsSchema>;

/** What PROCESS_PAUSE writes to the ledger. */
export interface PauseLedgerData {
  pid: number;
  /** /proc/<pid>/stat field 22: cleanup continues the pid only if it still has this start time. */
  startTime: string;
  comm: string;
  system: string;
}

/** Waits (deadline on `clock`) until `test` holds for the process's state; `false` if the process is gone. */
async function untilState(pid: number, startTime: string, test: (state: string) => boolean, clock: Clock, config: ProcessConfig, signal?: AbortSignal): Promise<boolean> {
  const deadline = clock.now() + config.signalTimeout;
  for (;;) {
    const stat = sameProcess(pid, startTime);
    if (!stat) return false;
    if (test(stat.state)) return true;
    if (clock.now() >= deadline) throw new TesterError('TIMEOUT', `pid ${pid} (${stat.comm}) is still in state ${stat.state} after ${formatMs(config.signalTimeout)}`);
    await clock.until(Math.min(deadline, clock.now() + config.pollInterval), signal);
  }
}

/**
 * Continues the process if the pid still names it, and checks that it left the stopped state. A process that is
 * gone (or whose pid now names another process) has nothing to continue: success.
 */
export async function continueProcess(data: Pick<PauseLedgerData, 'pid' | 'startTime'>, clock: Clock, config: ProcessConfig, signal?: AbortSignal): Promise<void> {
  if (sameProcess(data.pid, data.startTime)) {
    try {
      process.kill(data.pid, 'SIGCONT');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        throw new TesterError('ROLLBACK_FAILED', `SIGCONT to pid ${data.pid} failed (${(error as Error).message}); continue it by hand: kill -CONT ${data.pid}`, { cause: error });
      }
    }
    await untilState(data.pid, data.startTime, (s) => s !== 'T', clock, config, signal);
  }
  noteContinued(data.pid);
}

export function pauseAction(): ActionDefinition<PauseParams, ProcessConfig> {
  return {
    schema: pauseParamsSchema,
    description: 'Pauses a process named by pid or pid_file (SIGSTOP) for `duration`, then continues it (SIGCONT); always continued, also on rollback and by tester cleanup.',
    systems: (p) => [p.system],
    injectsFaults: true,
    async run(ctx: ActionContext<ProcessConfig>, p) {
      const config = ctx.config;
      const target = resolveTarget(p);
      if (target.state === 'T' || target.state === 't') {
        throw new TesterError('ACTION_FAILED', `${target.label} is already stopped (state ${target.state}); tester pauses only a running process, so that it continues only what it stopped`);
      }
      const data: PauseLedgerData = { pid: target.pid, startTime: target.startTime, comm: target.comm, system: p.system };
      const handle = await ctx.ledger.record({ action: 'PROCESS_PAUSE', description: `paused ${target.label} (for ${p.system})`, data: { ...data } });
      notePaused(target.pid, target.startTime);
      try {
        if (!sameProcess(target.pid, target.startTime)) throw new TesterError('ACTION_FAILED', `${target.label} exited before it could be paused`);
        process.kill(target.pid, 'SIGSTOP');
        if (!(await untilState(target.pid, target.startTime, (s) => s === 'T', ctx.clock, config, ctx.signal))) {
          throw new TesterError('ACTION_FAILED', `${target.label} exited instead of stopping`);
        }
      } catch (error) {
        try {
          await continueProcess(data, ctx.clock, config, AbortSignal.timeout(config.signalTimeout * 2));
          await handle.strike();
        } catch {
          ctx.logger.warn(`${target.label} may still be stopped; tester cleanup will continue it`, { pid: target.pid });
        }
        throw error instanceof TesterError ? error : new TesterError('ACTION_FAILED', `PROCESS_PAUSE ${ctx.actionId}: SIGSTOP to ${target.label} failed: ${(error as Error).message}`, { cause: error });
      }
      const startedAt = ctx.clock.now();
      const { fault, rollback } = timedFault({
        ctx,
        id: `pause-${target.pid}-${target.startTime}`,
        system: p.system,
        fault: 'PROCESS_PAUSE',
        startedAt,
        durationMs: p.duration,
        undo: (signal) => continueProcess(data, ctx.clock, config, signal),
        handle,
        undoDescription: `continue ${target.label} (SIGCONT)`,
        endAttempts: 3,
        attemptTimeoutMs: config.signalTimeout * 2,
        ref: { type: 'custom', summary: `SIGSTOP ${target.label}`, pid: target.pid, startTime: target.startTime },
      });
      return { summary: `SIGSTOP ${target.label} for ${formatMs(p.duration)}`, faults: [fault], rollback };
    },
    async recover(entry: LedgerEntry, ctx: PluginContext<ProcessConfig>) {
      const data = entry.data as unknown as PauseLedgerData;
      await continueProcess(data, ctx.clock, ctx.config, AbortSignal.timeout(ctx.config.signalTimeout * 2));
    },
  };
}
