/**
 * Every process this module has paused and not yet continued. A paused process must never outlive the run that
 * paused it: rollbacks continue it on every path the runtime controls, and this 'exit' hook continues whatever is
 * left when the process exits some other way (a second SIGINT that forces exit, an uncaught error, process.exit).
 * `process.kill` is synchronous, so it works inside 'exit'. Only `kill -9` escapes it: `tester cleanup` is for that.
 */
import { sameProcess } from './proc';

const paused = new Map<number, string>();
let hooked = false;

function continueAll(): void {
  for (const [pid, startTime] of paused) {
    try {
      if (sameProcess(pid, startTime)) process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  paused.clear();
}

/** Remembers a process that is about to be paused. */
export function notePaused(pid: number, startTime: string): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', continueAll);
  }
  paused.set(pid, startTime);
}

/** Forgets a process once it was continued (or is gone). */
export function noteContinued(pid: number): void {
  paused.delete(pid);
}
