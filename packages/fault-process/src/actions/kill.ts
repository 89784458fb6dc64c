/**
 * `PROCESS_TERMINATE` (SIGTERM) and `PROCESS_KILL` (SIGKILL): end a process named by pid or pid_file, optionally
 * followed by a restart with a given command once `restart.after` has passed, verified by a readiness check.
 *
 * Without `restart` the fault is the exit itself: it ends when the exit is verified, and nothing is undone (bringing
 * the process back is the system's own job — a supervisor, the control plane — and what the scenario checks).
 * With `restart`, the ledger entry (the command and the readiness check) is written BEFORE the signal, the restart
 * happens at the deadline on the run's clock, the rollback restarts it at once if the run ends before that, and
 * `tester cleanup` restarts it after a kill -9 unless the readiness check already answers.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { durationSchema, formatMs, z, type ActionContext, type ActionDefinition, type Clock, type LedgerEntry, type PluginContext, TesterError } from '@tester/core';
import type { ProcessConfig } from '../options';
import { readStat, sameProcess } from '../proc';
import { answers, describeReadiness, readinessSchema, waitReady, type Readiness } from '../readiness';
import { checkTarget, resolveTarget, targetShape } from '../target';
import { timedFault } from '@tester/core';

const restartSchema = z.strictObject({
  /** The command and its arguments, run without a shell (`[mariadbd, --datadir=/var/lib/mysql]`). */
  command: z.array(z.string().min(1)).min(1),
  /** Its working directory. @default the tester's */
  cwd: z.string().min(1).optional(),
  /** A file its stdout and stderr are appended to. @default discarded */
  log: z.string().min(1).optional(),
  /** How long after the exit the process is restarted (how long it stays down). @default 0 */
  after: durationSchema.prefault(0),
  /** What must answer for the restarted process to count as up: `{ tcp: host:port }` or `{ http: url }`, loopback only. */
  ready: readinessSchema,
  /** Bound of the readiness check. @default the plugin's readyTimeout (30 s) */
  ready_timeout: durationSchema.optional(),
});

export const killParamsSchema = z
  .strictObject({
    ...targetShape,
    /** The system the fault is about (for scheduling, windows, settling and time to recover). */
    system: z.string().min(1),
    /** Restart the process after it exited. Without it, tester only ends the process. */
    restart: restartSchema.optional(),
  })
  .superRefine(checkTarget);
export type KillParams = z.output<typeof killParamsSchema>;

/** What the action writes to the ledger when it will restart the process (never the environment: no secrets). */
export interface KillLedgerData {
  pid: number;
  startTime: string;
  comm: string;
  system: string;
  command: string[];
  cwd: string;
  log: string | null;
  ready: Readiness;
  readyTimeout: number;
}

/** Starts the command detached (its own session, so it outlives the tester, as the process it replaces did). */
function startDetached(data: KillLedgerData): number {
  const fd = data.log ? openSync(data.log, 'a') : undefined;
  try {
    const child = spawn(data.command[0]!, data.command.slice(1), { cwd: data.cwd, detached: true, stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'] });
    child.once('error', () => undefined); // reported below as "exited" through /proc
    child.unref();
    if (child.pid === undefined) throw new TesterError('ROLLBACK_FAILED', `restart ${JSON.stringify(data.command)} in ${data.cwd} failed to start (is the command on PATH?)`);
    return child.pid;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Restarts the process unless the readiness check already answers, then waits until it does. `started` carries the
 * pid of a restart already made, so a retry waits for it instead of starting a second one.
 */
async function restartAndWait(data: KillLedgerData, started: { pid?: number; startTime?: string }, clock: Clock, config: ProcessConfig, signal?: AbortSignal): Promise<void> {
  if (started.pid === undefined && (await answers(data.ready))) return;
  if (started.pid === undefined) {
    started.pid = startDetached(data);
    started.startTime = readStat(started.pid)?.startTime;
  }
  const pid = started.pid;
  const startTime = started.startTime;
  await waitReady(data.ready, {
    clock,
    deadline: clock.now() + data.readyTimeout,
    intervalMs: config.pollInterval,
    signal,
    what: `restart ${JSON.stringify(data.command)} (pid ${pid})`,
    failIf: () => (startTime === undefined || !sameProcess(pid, startTime) ? 'the restarted process exited' : undefined),
  });
}

/** Sends the signal and waits (deadline on `clock`) until the process has exited. */
async function endProcess(target: { pid: number; startTime: string; label: string }, sig: 'SIGTERM' | 'SIGKILL', clock: Clock, config: ProcessConfig, signal: AbortSignal): Promise<number> {
  if (!sameProcess(target.pid, target.startTime)) throw new TesterError('ACTION_FAILED', `${target.label} exited before tester could signal it`);
  process.kill(target.pid, sig);
  const deadline = clock.now() + config.exitTimeout;
  for (;;) {
    if (!sameProcess(target.pid, target.startTime)) return clock.now();
    if (clock.now() >= deadline) {
      throw new TesterError('ACTION_FAILED', `${target.label} did not exit within ${formatMs(config.exitTimeout)} of ${sig}${sig === 'SIGTERM' ? ' (it may ignore or handle SIGTERM; use PROCESS_KILL)' : ''}`);
    }
    await clock.until(Math.min(deadline, clock.now() + config.pollInterval), signal);
  }
}

export function killAction(type: 'PROCESS_TERMINATE' | 'PROCESS_KILL'): ActionDefinition<KillParams, ProcessConfig> {
  const sig = type === 'PROCESS_KILL' ? 'SIGKILL' : 'SIGTERM';
  return {
    schema: killParamsSchema,
    description: `Ends a process named by pid or pid_file with ${sig}, optionally restarting it with a command and a readiness check (tcp or http, loopback).`,
    systems: (p) => [p.system],
    injectsFaults: true,
    async run(ctx: ActionContext<ProcessConfig>, p) {
      const config = ctx.config;
      const target = resolveTarget(p);
      const fault = type === 'PROCESS_KILL' ? 'PROCESS_KILL' : 'PROCESS_TERMINATE';
      const id = `${sig.toLowerCase()}-${target.pid}-${target.startTime}`;
      if (!p.restart) {
        const startedAt = ctx.clock.now();
        const exitedAt = await endProcess(target, sig, ctx.clock, config, ctx.signal);
        return {
          summary: `${sig} ${target.label}: exited after ${formatMs(exitedAt - startedAt)}`,
          faults: [{ id, system: p.system, fault, startedAt, ended: Promise.resolve(exitedAt), ref: { type: 'custom', summary: `${sig} ${target.label}`, pid: target.pid } }],
        };
      }
      const restart = p.restart;
      const data: KillLedgerData = {
        pid: target.pid,
        startTime: target.startTime,
        comm: target.comm,
        system: p.system,
        command: restart.command,
        cwd: resolve(restart.cwd ?? '.'),
        log: restart.log ? resolve(restart.log) : null,
        ready: restart.ready,
        readyTimeout: restart.ready_timeout ?? config.readyTimeout,
      };
      const handle = await ctx.ledger.record({
        action: type,
        description: `${sig} ${target.label} (for ${p.system}), to be restarted with ${JSON.stringify(restart.command)} until ${describeReadiness(restart.ready)} answers`,
        data: { ...data } as never,
      });
      const startedAt = ctx.clock.now();
      try {
        await endProcess(target, sig, ctx.clock, config, ctx.signal);
      } catch (error) {
        // The process is still running (or was never signalled): nothing to restart.
        if (sameProcess(target.pid, target.startTime)) await handle.strike();
        throw error;
      }
      const started: { pid?: number; startTime?: string } = {};
      const timed = timedFault({
        ctx,
        id,
        system: p.system,
        fault,
        startedAt,
        durationMs: restart.after,
        undo: (signal) => restartAndWait(data, started, ctx.clock, config, signal),
        handle,
        undoDescription: `restart ${JSON.stringify(restart.command)} until ${describeReadiness(restart.ready)} answers`,
        // One attempt: a restart that never gets ready is reported, not started again and again.
        endAttempts: 1,
        attemptTimeoutMs: data.readyTimeout + config.exitTimeout,
        ref: { type: 'custom', summary: `${sig} ${target.label}`, pid: target.pid },
      });
      return {
        summary: `${sig} ${target.label}; restart in ${formatMs(restart.after)} with ${JSON.stringify(restart.command)}, ready when ${describeReadiness(restart.ready)} answers`,
        faults: [timed.fault],
        rollback: timed.rollback,
      };
    },
    async recover(entry: LedgerEntry, ctx: PluginContext<ProcessConfig>) {
      const data = entry.data as unknown as KillLedgerData;
      // Still the same process: the signal never took effect, so there is nothing to bring back.
      if (sameProcess(data.pid, data.startTime)) return;
      await restartAndWait(data, {}, ctx.clock, ctx.config);
    },
  };
}
