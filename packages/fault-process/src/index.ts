/**
 * `@tester/fault-process`: process faults for any system running on this machine — pause (SIGSTOP/SIGCONT),
 * terminate (SIGTERM) and kill (SIGKILL) with an optional restart — aimed only at processes named by pid or pid
 * file, with ledger-first rollbacks that `tester cleanup` replays after a killed run.
 */
export { processPlugin, PROCESS_PLUGIN_NAME, type ProcessPlugin } from './plugin';
export { processOptionsSchema, parseProcessOptions, type ProcessOptions, type ProcessConfig } from './options';
export { pauseParamsSchema, type PauseParams } from './actions/pause';
export { killParamsSchema, type KillParams } from './actions/kill';
export { readStat, sameProcess, type ProcStat } from './proc';

// The CLI loads a plugin package named in a config file through its default export (a factory it calls with the
// plugin's options block).
export { processPlugin as default } from './plugin';
