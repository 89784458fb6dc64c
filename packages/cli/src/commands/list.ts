import type { CommonFlags } from '../config/settings';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { discoverScenarios, expandPaths, filterScenarios } from '../run/prepare';
import { selectShard } from '../run/shard';
import { checkGrep } from '../config/settings';
import { loadAll, loadSettings } from './common';

/** `tester list`: the scenarios (after --grep/--tag/--shard) with their tags and systems. */
export async function listCommand(paths: string[], opts: CommonFlags & { json?: boolean }, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  await checkGrep(settings);
  const files = paths.length ? expandPaths(paths, io.cwd) : discoverScenarios(settings.scenariosDir);
  const loaded = await loadAll(settings, files, io);
  if (!loaded) return EXIT.cannotStart;
  const rows = selectShard(filterScenarios(loaded.scenarios, settings), settings.shard, (s) => s.file).map((s) => ({
    file: s.file,
    name: s.scenario.name,
    tags: s.scenario.tags,
    systems: s.scenario.systems,
    timeoutMs: s.scenario.timeoutMs,
  }));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.passed;
  }
  const table = [['file', 'name', 'tags', 'systems'], ...rows.map((r) => [r.file, r.name, r.tags.join(',') || '-', r.systems.join(',') || '-'])];
  const widths = (table[0] as string[]).map((_c, i) => Math.max(...table.map((r) => (r[i] as string).length)));
  for (const r of table) io.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd()}\n`);
  io.stdout.write(`${rows.length} scenario(s)\n`);
  return EXIT.passed;
}
