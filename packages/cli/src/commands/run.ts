import type { CommonFlags } from '../config/settings';
import type { Io } from '../io';
import { expandPaths } from '../run/prepare';
import { loadSettings, runFiles } from './common';

/** `tester run --scenario FILE`: runs the given scenario files. */
export async function runCommand(opts: CommonFlags & { scenario: string[] }, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  return runFiles(settings, expandPaths(opts.scenario, io.cwd), io);
}
