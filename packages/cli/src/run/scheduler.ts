/** A unit of work for {@link schedule}: the systems it touches decide what may run beside it. */
export interface Job<T> {
  id: string;
  /** Systems touched; two jobs sharing one never overlap. Empty: touches none. */
  systems: readonly string[];
  run(): Promise<T>;
}

export type JobOutcome<T> = { id: string; ran: true; value: T } | { id: string; ran: false; reason: 'fail-fast' | 'interrupted' };

export interface ScheduleOptions<T> {
  /** Jobs running at once. */
  concurrency: number;
  /** After a result for which this is `true`, start nothing new (running jobs finish). */
  stopAfter?: (value: T) => boolean;
  /** Once aborted, start nothing new. */
  signal?: AbortSignal;
  onStart?: (id: string) => void;
}

/**
 * Runs jobs with at most `concurrency` at once, never two that share a system (DESIGN.md "Concurrency").
 * Jobs start in list order, except that a job blocked by a busy system lets a later, free one go first.
 * Resolves with one outcome per job, in the input order; jobs never started are `ran: false`.
 */
export async function schedule<T>(jobs: readonly Job<T>[], opts: ScheduleOptions<T>): Promise<JobOutcome<T>[]> {
  const outcomes = new Map<string, JobOutcome<T>>();
  const pending = [...jobs];
  const busy = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let stopped: 'fail-fast' | 'interrupted' | undefined;

  const startable = () => pending.findIndex((job) => job.systems.every((s) => !busy.has(s)));
  for (;;) {
    if (opts.signal?.aborted) stopped ??= 'interrupted';
    while (!stopped && running.size < opts.concurrency) {
      const i = startable();
      if (i < 0) break;
      const [job] = pending.splice(i, 1) as [Job<T>];
      for (const s of job.systems) busy.add(s);
      opts.onStart?.(job.id);
      const done = job.run().then(
        (value) => {
          outcomes.set(job.id, { id: job.id, ran: true, value });
          if (opts.stopAfter?.(value)) stopped ??= 'fail-fast';
        },
        (error: unknown) => {
          running.delete(job.id);
          for (const s of job.systems) busy.delete(s);
          throw error;
        },
      );
      running.set(
        job.id,
        done.then(() => {
          running.delete(job.id);
          for (const s of job.systems) busy.delete(s);
        }),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  for (const job of pending) outcomes.set(job.id, { id: job.id, ran: false, reason: stopped ?? 'interrupted' });
  return jobs.map((job) => outcomes.get(job.id) as JobOutcome<T>);
}
