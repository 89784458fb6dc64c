import type { CommonFlags } from '../config/settings';
import type { Io } from '../io';
import { discoverScenarios } from '../run/prepare';
import { loadSettings, runFiles } from './common';

/** `tester ci [--scenarios-dir DIR]`: runs every scenario of the folder (default `scenarios`). */
export async function ciCommand(opts: CommonFlags, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  return runFiles(settings, discoverScenarios(settings.scenariosDir), io);
}
