import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ActionOutcome, type LedgerEntry, type LedgerEntryInput } from '@tester/core';
import { createPluginHarness, eventually } from '@tester/core/testing';
import { processPlugin } from '../src';
import { readStat } from '../src/proc';
import { answers } from '../src/readiness';
import { freePort, killPid, killSpawned, pidIn, project, SERVER, spawnSleep, startNode, stateOf } from './helpers';

const plugin = processPlugin({ pollInterval: '20ms' });
const restarted: number[] = [];
afterEach(() => {
  killSpawned();
  for (const pid of restarted.splice(0)) killPid(pid);
});

type Type = 'PROCESS_PAUSE' | 'PROCESS_TERMINATE' | 'PROCESS_KILL';
const run = async (type: Type, raw: Record<string, unknown>, onLedger?: (e: LedgerEntryInput) => void) => {
  const h = createPluginHarness();
  const definition = plugin.actions![type]!;
  const ctx = h.actionContext(plugin.options);
  const context = onLedger ? { ...ctx, ledger: { record: async (e: LedgerEntryInput) => (onLedger(e), ctx.ledger.record(e)) } } : ctx;
  const outcome = (await definition.run(context, definition.schema.parse(raw))) as ActionOutcome;
  return { h, outcome, fault: outcome.faults![0]! };
};
const asEntry = (input: LedgerEntryInput): LedgerEntry => ({ ...input, id: 'e1', runId: 'dead-run', plugin: plugin.name, recordedAt: new Date().toISOString() });
const tmp = () => mkdtempSync(join(tmpdir(), 'fault-process-'));

describe('PROCESS_PAUSE on a real process', () => {
  it('records pid + start time, then SIGSTOPs; continues it at the deadline and strikes the entry', async () => {
    const { pid } = spawnSleep();
    let stateWhenRecorded = '';
    const { h, outcome, fault } = await run('PROCESS_PAUSE', { pid, duration: '1s', system: 'sleeper' }, () => (stateWhenRecorded = stateOf(pid)));
    expect(stateWhenRecorded).not.toBe('T');
    expect(h.ledger[0]).toMatchObject({ action: 'PROCESS_PAUSE', struck: false, data: { pid, startTime: readStat(pid)!.startTime, comm: 'sleep', system: 'sleeper' } });
    expect(fault).toMatchObject({ system: 'sleeper', fault: 'PROCESS_PAUSE' });
    expect(stateOf(pid)).toBe('T');
    const endedAt = await fault.ended;
    expect(endedAt - fault.startedAt).toBeGreaterThanOrEqual(1000);
    expect(stateOf(pid)).not.toBe('T');
    expect(h.ledger[0]!.struck).toBe(true);
    await outcome.rollback!.run(AbortSignal.timeout(5000));
    expect(stateOf(pid)).not.toBe('T');
  });

  it('finds the process through its pid file; the rollback continues it before the deadline', async () => {
    const { pid } = spawnSleep();
    const file = join(tmp(), 'sleep.pid');
    writeFileSync(file, `${pid}\n`);
    const { outcome, fault } = await run('PROCESS_PAUSE', { pid_file: file, duration: 60, system: 'sleeper' });
    expect(stateOf(pid)).toBe('T');
    await outcome.rollback!.run(AbortSignal.timeout(5000));
    expect(stateOf(pid)).not.toBe('T');
    expect((await fault.ended) - fault.startedAt).toBeLessThan(60_000);
  });

  it('refuses pid 1, the tester, its ancestors, a missing or already stopped process, and an unreadable pid file', async () => {
    const reject = (raw: Record<string, unknown>, message: RegExp) =>
      expect(run('PROCESS_PAUSE', { duration: 1, system: 's', ...raw })).rejects.toMatchObject({ code: 'ACTION_FAILED', message: expect.stringMatching(message) });
    await reject({ pid: 1 }, /pid 1 \(init\)/);
    await reject({ pid: process.pid }, /the tester itself or one of its ancestors/);
    await reject({ pid: process.ppid }, /the tester itself or one of its ancestors/);
    await reject({ pid: 4_194_000 }, /no running process with pid 4194000/);
    await reject({ pid_file: '/nonexistent/x.pid' }, /pid_file \/nonexistent\/x\.pid cannot be read/);
    const { pid } = spawnSleep();
    process.kill(pid, 'SIGSTOP');
    await eventually(() => stateOf(pid) === 'T', 2000, 'stopped');
    await reject({ pid }, /already stopped/);
    expect(() => plugin.actions!.PROCESS_PAUSE!.schema.parse({ pid: 5, pid_file: 'x', duration: 1, system: 's' })).toThrow(/exactly one of pid and pid_file/);
    expect(() => plugin.actions!.PROCESS_PAUSE!.schema.parse({ duration: 1, system: 's' })).toThrow(/exactly one of pid and pid_file/);
  });

  it('recover continues a process a dead run left stopped, idempotently, and never signals a recycled pid', async () => {
    const { pid } = spawnSleep();
    const { h } = await run('PROCESS_PAUSE', { pid, duration: 60, system: 'sleeper' });
    h.controller.abort(); // the run dies
    expect(stateOf(pid)).toBe('T');
    const recover = plugin.actions!.PROCESS_PAUSE!.recover!;
    // Same pid, another start time: another process now, as far as cleanup can tell. It must not be touched.
    const recycled = asEntry({ ...h.ledger[0]!, data: { ...(h.ledger[0]!.data as object), startTime: '1' } });
    await recover(recycled, h.actionContext(plugin.options));
    expect(stateOf(pid)).toBe('T');
    await recover(asEntry(h.ledger[0]!), h.actionContext(plugin.options));
    expect(stateOf(pid)).not.toBe('T');
    await recover(asEntry(h.ledger[0]!), h.actionContext(plugin.options));
  });

  it('a process exiting by process.exit() with a pause still on continues it (the exit hook)', async () => {
    const { pid } = spawnSleep();
    const dir = project({
      'pause-and-exit.mjs': `import { processPlugin } from '@tester/fault-process';
import { createPluginHarness } from '@tester/core/testing';
const plugin = processPlugin();
const h = createPluginHarness();
const action = plugin.actions.PROCESS_PAUSE;
await action.run(h.actionContext(plugin.options), action.schema.parse({ pid: ${pid}, duration: 60, system: 's' }));
console.log('paused', ${pid});
process.exit(3);
`,
    });
    const result = await startNode(['pause-and-exit.mjs'], dir).done;
    expect(result.output).toContain(`paused ${pid}`);
    expect(result.code).toBe(3);
    expect(stateOf(pid)).not.toBe('T');
  });
});

describe('PROCESS_TERMINATE and PROCESS_KILL on a real server', () => {
  const startServer = async () => {
    const port = await freePort();
    const pidFile = join(tmp(), 'server.pid');
    startNode([SERVER, String(port), pidFile], process.cwd());
    const pid = await eventually(() => pidIn(pidFile), 10_000, 'the server pid file');
    return { port, pidFile, pid, ready: { tcp: `127.0.0.1:${port}` } };
  };

  it('SIGTERM without restart: the fault ends when the exit is verified; nothing to undo, nothing in the ledger', async () => {
    const server = await startServer();
    const { h, outcome, fault } = await run('PROCESS_TERMINATE', { pid_file: server.pidFile, system: 'svc' });
    expect(fault.fault).toBe('PROCESS_TERMINATE');
    expect(await fault.ended).toBeGreaterThanOrEqual(fault.startedAt);
    expect(['gone', 'Z']).toContain(stateOf(server.pid));
    expect(await answers(server.ready)).toBe(false);
    expect(outcome.rollback).toBeUndefined();
    expect(h.ledger).toEqual([]);
  });

  it('SIGKILL then restart after a deadline: the ledger has the command first; ended is when the port answers again', async () => {
    const server = await startServer();
    const restart = { command: [process.execPath, SERVER, String(server.port), server.pidFile], after: '700ms', ready: server.ready };
    let answeredWhenRecorded: boolean | undefined;
    const { h, outcome, fault } = await run('PROCESS_KILL', { pid: server.pid, system: 'svc', restart }, () => void (answeredWhenRecorded = true));
    expect(answeredWhenRecorded).toBe(true);
    expect(h.ledger[0]).toMatchObject({ action: 'PROCESS_KILL', data: { pid: server.pid, command: restart.command, ready: server.ready } });
    expect(['gone', 'Z']).toContain(stateOf(server.pid));
    expect(await answers(server.ready)).toBe(false);
    const endedAt = await fault.ended;
    expect(endedAt - fault.startedAt).toBeGreaterThanOrEqual(700);
    expect(await answers(server.ready)).toBe(true);
    const newPid = await eventually(() => pidIn(server.pidFile), 5000, 'the new pid');
    restarted.push(newPid);
    expect(newPid).not.toBe(server.pid);
    expect(h.ledger[0]!.struck).toBe(true);
    await outcome.rollback!.run(AbortSignal.timeout(5000)); // already up: no second start
    expect(pidIn(server.pidFile)).toBe(newPid);
  });

  it('recover restarts a process a dead run killed, and does nothing once it answers', async () => {
    const server = await startServer();
    const restart = { command: [process.execPath, SERVER, String(server.port), server.pidFile], after: 60, ready: server.ready };
    const { h } = await run('PROCESS_KILL', { pid: server.pid, system: 'svc', restart });
    h.controller.abort(); // the run dies before the restart
    expect(await answers(server.ready)).toBe(false);
    const recover = plugin.actions!.PROCESS_KILL!.recover!;
    await recover(asEntry(h.ledger[0]!), h.actionContext(plugin.options));
    expect(await answers(server.ready)).toBe(true);
    const newPid = await eventually(() => pidIn(server.pidFile), 5000, 'the new pid');
    restarted.push(newPid);
    await recover(asEntry(h.ledger[0]!), h.actionContext(plugin.options));
    expect(pidIn(server.pidFile)).toBe(newPid);
  });

  it('a readiness check off loopback is refused when the scenario is loaded', () => {
    expect(() =>
      plugin.actions!.PROCESS_KILL!.schema.parse({ pid: 5, system: 's', restart: { command: ['x'], ready: { tcp: '10.0.0.1:80' } } }),
    ).toThrow(/loopback/);
  });
});
