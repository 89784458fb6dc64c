import type { CommonFlags } from '../config/settings';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { discoverScenarios, expandPaths } from '../run/prepare';
import { loadAll, loadSettings } from './common';

/** `tester validate [PATHS...]`: loads and validates only; exit 2 if any file is invalid. */
export async function validateCommand(paths: string[], opts: CommonFlags, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  const files = paths.length ? expandPaths(paths, io.cwd) : discoverScenarios(settings.scenariosDir);
  const loaded = await loadAll(settings, files, io);
  if (!loaded) return EXIT.cannotStart;
  io.stdout.write(`${files.length} scenario file(s) valid.\n`);
  return EXIT.passed;
}
