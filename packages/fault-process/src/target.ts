/**
 * Which process an action aims at: ONLY one named explicitly, by `pid` or by `pid_file` (never a name pattern).
 * Refuses pid 1, the tester itself and its ancestors (signalling them would stop the run that must undo the fault).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z, TesterError } from '@tester/core';
import { readStat, selfAndAncestors, type ProcStat } from './proc';

/** `pid` or `pid_file`, exactly one. A pid may come as a string (from a `${variable}`). */
export const targetShape = {
  /** The process id. Exactly one of `pid` and `pid_file`. */
  pid: z.union([z.int().positive(), z.string().regex(/^\d+$/, 'expected a process id (digits)').transform(Number)]).optional(),
  /** A file holding the process id (as services write them: `/run/mariadb/mariadb.pid`), read when the action runs. */
  pid_file: z.string().min(1).optional(),
};

/** The zod check that exactly one of `pid` and `pid_file` is given (for `superRefine`). */
export function checkTarget(params: { pid?: number; pid_file?: string }, ctx: z.RefinementCtx): void {
  if ((params.pid === undefined) === (params.pid_file === undefined)) {
    ctx.addIssue({ code: 'custom', path: params.pid === undefined ? ['pid'] : ['pid_file'], message: 'name the process by exactly one of pid and pid_file', input: params });
  }
}

/** The process an action aims at, with its identity read from /proc. */
export interface Target extends ProcStat {
  /** `pid 1234 (mariadbd)` or `pid 1234 (mariadbd) from /run/x.pid`, for messages. */
  label: string;
}

/** Reads the pid (from the file when given), checks the process exists and that it may be signalled. */
export function resolveTarget(params: { pid?: number; pid_file?: string }): Target {
  let pid = params.pid;
  let from = '';
  if (params.pid_file !== undefined) {
    const file = resolve(params.pid_file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TesterError('ACTION_FAILED', `pid_file ${file} cannot be read (${(error as Error).message}); is the service running, and is this its pid file?`);
    }
    const first = text.trim().split(/\s+/)[0] ?? '';
    if (!/^\d+$/.test(first)) throw new TesterError('ACTION_FAILED', `pid_file ${file} holds ${JSON.stringify(text.slice(0, 40))}, not a process id`);
    pid = Number(first);
    from = ` from ${file}`;
  }
  if (pid === undefined) throw new TesterError('ACTION_FAILED', 'no process named: give pid or pid_file');
  if (pid <= 1) throw new TesterError('ACTION_FAILED', `refusing to signal pid ${pid}${from}: pid 1 (init) and lower are never a target`);
  if (selfAndAncestors().has(pid)) {
    throw new TesterError('ACTION_FAILED', `refusing to signal pid ${pid}${from}: it is the tester itself or one of its ancestors, which must stay alive to undo the fault`);
  }
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') {
    throw new TesterError('ACTION_FAILED', `no running process with pid ${pid}${from}${stat ? ` (it is a ${stat.state === 'Z' ? 'zombie' : 'dead process'})` : ''}; check the pid or pid file`);
  }
  return { ...stat, label: `pid ${pid} (${stat.comm})${from}` };
}
