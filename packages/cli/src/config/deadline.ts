import { CliError } from '../errors';

/**
 * `promise`, or a `CONFIG_INVALID` {@link CliError} with `message` once `ms` pass first. The timer keeps the process
 * alive: a config or plugin whose promise never settles would otherwise let Node exit silently, with code 0.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string, code = 'CONFIG_INVALID'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CliError(code, message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
