import { spawn } from 'node:child_process';
import { BIN, cliEnv } from './cli';

/** What a bounded CLI call ended with. */
export interface BoundedResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The call did not end within its bound and was killed. */
  timedOut: boolean;
  ms: number;
}

/**
 * Runs the built bin and kills it (SIGKILL) after `timeoutMs`: a fuzz input must never hang the CLI, and a test
 * that finds one must say so instead of hanging itself. Output beyond `maxOutput` bytes is counted, not kept.
 * `bin` defaults to the snapshot test/build-setup.ts makes.
 */
export function runBounded(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number; maxOutput?: number; bin?: string },
): Promise<BoundedResult & { outputBytes: number }> {
  const started = Date.now();
  const max = opts.maxOutput ?? 1_000_000;
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], { cwd: opts.cwd, env: cliEnv(opts.env) });
  let stdout = '';
  let stderr = '';
  let outputBytes = 0;
  const keep = (into: 'out' | 'err') => (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (outputBytes > max) return;
    if (into === 'out') stdout += chunk.toString();
    else stderr += chunk.toString();
  };
  child.stdout.on('data', keep('out'));
  child.stderr.on('data', keep('err'));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started, outputBytes });
    }),
  );
}
