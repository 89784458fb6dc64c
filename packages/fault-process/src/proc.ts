/**
 * What Linux's /proc says about a process. A process is identified by its pid AND its start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot): a pid is recycled once its process is gone, the pair never is. So
 * nothing here, nor `tester cleanup` later, ever signals a process that merely got the same pid.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One process's identity and state. */
export interface ProcStat {
  pid: number;
  /** The command name (`comm`, at most 15 characters). */
  comm: string;
  /** `R` running, `S` sleeping, `D` disk sleep, `T` stopped, `t` traced, `Z` zombie, ... */
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, what identifies this process. */
  startTime: string;
}

/** Reads /proc/<pid>/stat, or `undefined` when there is no such process. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `comm` is in parentheses and may itself hold spaces and parentheses: the fields start after the LAST ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).trim().split(' ');
  return { pid, comm: text.slice(open + 1, close), state: fields[0] ?? '?', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}

/**
 * The process `pid` if it is still the one that started at `startTime` and has not fully exited. A zombie has
 * exited, but only once its last thread has: a multi-threaded process's leader shows `Z` while its other threads
 * are still closing its files (and still hold its listening sockets).
 */
export function sameProcess(pid: number, startTime: string): ProcStat | undefined {
  const stat = readStat(pid);
  if (!stat || stat.startTime !== startTime) return undefined;
  if (stat.state !== 'Z' && stat.state !== 'X') return stat;
  return threadCount(pid) > 1 ? stat : undefined;
}

function threadCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}

/** This process and every ancestor up to (not including) pid 0. */
export function selfAndAncestors(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let i = 0; i < 1000 && pid > 0 && !out.has(pid); i++) {
    out.add(pid);
    pid = readStat(pid)?.ppid ?? 0;
  }
  return out;
}
