/**
 * The tester's own infrastructure fails, on the real stack, through the BUILT cli: a source that dies or hangs
 * mid-run is `error` naming the blind source (never a `failed` blamed on the system), a source that comes back
 * lets the run finish, the system's own database dying is a real outage the scenario sees (not blindness), and a
 * wrong address or an answer of the wrong shape is reported early, with the address and the cause. Every case
 * checks the verdict, the blind source named in the reason, that the chaos was rolled back (GET /api/v1/chaos on
 * the control plane, or the ledger) and that the process was gone within the scenario's timeout + 5 s.
 *
 * Everything killed or paused is PRIVATE (a broker, a Prometheus, control planes, a MariaDB): the shared stack is
 * only used for the Kafka of the MariaDB case, which nothing here disturbs. Figures per case are printed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, startKafka, startPrometheus, type PrivateControlPlane } from '../../../scripts/stack/index.mjs';
import type { ScenarioResult } from '../src/core-types';
import type { SuiteReport } from '../src/reporters/types';
import { fixture, runCli, startCli } from './helpers/cli';
import { expectReportReplays, PRIVATE } from './helpers/seed';

// ------------------------------------------------------------------------------------------------------------
// Helpers

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of the process listening on 127.0.0.1:`port` (from `ss`), to pause or kill a private part. */
function pidOn(port: number): number {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (!pid) throw new Error(`no process listens on port ${port}: ${out}`);
  return Number(pid);
}

/**
 * The probe scenario: a 3 s CONNECTION_LOSS on mysql, judged from every source (without Prometheus once a case
 * killed it for good). Healthy, it passes in ~8 s.
 */
function scenario(timeout: string, metrics: boolean): string {
  return `name: infra_probe
timeout: ${timeout}
systems: [mysql]
preconditions: [mysql.state == CONNECTED]
actions:
  - { id: cut-mysql, type: CHAOS, system: mysql, fault: CONNECTION_LOSS, duration: 3 }
expectations:
  states:
    - { system: mysql, final_state: CONNECTED }
    - { system: mysql, sources: [api, kafka], sequence: [CONNECTED, DISCONNECTED, CONNECTED] }
    - { system: mysql, within: { state: CONNECTED, after: fault_end, max: 5s } }
  events:
    - { type: CONNECTION_LOST, system: mysql, count: 1 }
    - { type: CONNECTION_RESTORED, system: mysql, count: 1 }
${metrics ? METRICS : ''}`;
}

const METRICS = `  metrics:
    - { name: cp_system_state, labels: { system: mysql, state: CONNECTED }, value: "== 1" }
    - { name: cp_state_transitions_total, labels: { system: mysql, to: CONNECTED }, increase: window, value: ">= 1" }
`;

interface Target {
  cpUrl: string;
  bootstrap: string;
  topic: string;
  /** Without one, the run has no Prometheus observer and the scenario no metrics. */
  promUrl?: string;
}

const configFor = (t: Target) =>
  [
    t.promUrl ? '' : 'builtins: false\nplugins: [api, kafka, assertions]',
    `controlPlaneUrl: ${t.cpUrl}`,
    `kafkaBootstrap: ${t.bootstrap}`,
    t.promUrl ? `prometheusUrl: ${t.promUrl}` : '',
    'kafka:',
    `  topics: ${t.topic}`,
    '  maxBlindMs: 3s',
    '',
  ].join('\n');

interface Outcome {
  code: number | null;
  output: string;
  report: SuiteReport;
  result: ScenarioResult;
  /** From the `observers` phase (the scenario's start) to the process being gone. */
  lifeMs: number;
  ledger: unknown[];
  dir: string;
}

/**
 * Runs the probe scenario with the built cli against `t`; `during(phase)` is called (not awaited by the run) when the
 * cli prints a phase, so a case can break something at a known moment.
 */
async function probe(t: Target, timeout: string, during?: (phase: string) => void | Promise<void>): Promise<Outcome> {
  const dir = fixture({ 'tester.config.yaml': configFor(t), 'scenarios/infra_probe.yaml': scenario(timeout, t.promUrl !== undefined) });
  const cli = startCli(['run', '--scenario', 'scenarios/infra_probe.yaml', '-r', 'console', '-r', 'json=report.json'], { cwd: dir, ...PRIVATE });
  let startedAt: number | undefined;
  const seen = new Set<string>();
  const pending: Promise<unknown>[] = [];
  cli.child.stdout?.on('data', () => {
    for (const [, phase] of cli.output().matchAll(/^scenarios\/infra_probe\.yaml: (\w+)$/gm)) {
      if (seen.has(phase!)) continue;
      seen.add(phase!);
      if (phase === 'observers') startedAt = Date.now();
      if (during) pending.push(Promise.resolve(during(phase!)).catch((error: unknown) => console.error(`during(${phase}):`, error)));
    }
  });
  const r = await cli.done;
  const lifeMs = Date.now() - (startedAt ?? Date.now());
  await Promise.all(pending);
  if (!existsSync(join(dir, 'report.json'))) throw new Error(`no report.json (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as SuiteReport;
  const ledgerFile = join(dir, '.tester', 'ledger.json');
  const ledger = existsSync(ledgerFile) ? (JSON.parse(readFileSync(ledgerFile, 'utf8')) as { entries: unknown[] }).entries : [];
  // The blindness rules are core's, the same live and in a replay of the report: every verdict and message again.
  await expectReportReplays(dir);
  return { code: r.code, output: r.stdout + r.stderr, report, result: report.scenarios[0]!.attempts[0]!, lifeMs, ledger, dir };
}

/** Chaos records the control plane still reports as active. */
async function activeChaos(cpUrl: string): Promise<unknown[]> {
  const list = (await (await fetch(`${cpUrl}/api/v1/chaos`)).json()) as { status: string }[];
  return list.filter((c) => c.status === 'ACTIVE');
}

async function untilConnected(cpUrl: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const body = await fetch(`${cpUrl}/api/v1/systems/mysql`).then((r) => r.json() as Promise<{ state: string }>).catch(() => undefined);
    if (body?.state === 'CONNECTED') return;
    if (Date.now() > deadline) throw new Error(`mysql not CONNECTED at ${cpUrl} after ${ms} ms (${body?.state})`);
    await delay(200);
  }
}

const rows: string[] = [];
function row(name: string, o: Outcome, timeoutMs: number): void {
  const spans = o.result.observers.flatMap((x) => x.blindSpans.map((s) => `${s.source}${s.resource ? `/${s.resource}` : ''}`));
  rows.push(`${name.padEnd(34)} ${o.result.status.padEnd(7)} ${secs(o.lifeMs).padStart(6)} / ${secs(timeoutMs + 5000).padStart(6)}  blind: ${spans.join(',') || '-'}`);
}

/** What every case checks besides its own verdict (`ledger: false` for a case whose rollback cannot succeed). */
function common(o: Outcome, timeoutMs: number, { ledger = true } = {}): void {
  expect(o.code, o.output).toBe(1);
  expect(o.lifeMs, 'the process is gone within timeout + 5 s').toBeLessThanOrEqual(timeoutMs + 5000);
  if (ledger) expect(o.ledger, 'nothing left in the ledger').toEqual([]);
  if (ledger) expect(o.result.rollbacks.map((r) => r.status)).toEqual(o.result.actions[0]!.status === 'passed' ? ['ok'] : []);
}

/** Expectations that read `source` and were `failed`: there must be none when that source was blind. */
const failedReading = (o: Outcome, ids: RegExp) => o.result.expectations.filter((e) => ids.test(e.id) && e.status === 'failed').map((e) => `${e.id}: ${e.message}`);

// ------------------------------------------------------------------------------------------------------------

afterAll(() => {
  console.log(['infra fault                        status  life   / bound   blind spans', ...rows].join('\n'));
});

// A source killed mid-run answers its in-flight request with a reset and the next ones with a refusal: either is
// the cause the reason must name.
describe('start-up failures say where and why, within the ready bound (10 s), not at the timeout', () => {
  let cp: PrivateControlPlane;
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  const servers: (Server | TcpServer)[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    cp = await startControlPlane({ systems: 1 });
    prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await new Promise((r) => s.close(() => r(undefined)));
    await prom?.stop();
    await cp?.stop();
  });

  /** A tiny HTTP server on loopback answering every request with `status` and `body`. */
  async function tiny(status: number, body: string): Promise<string> {
    const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
    server.on('connection', (s) => sockets.add(s));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A TCP proxy to `port` that holds every answer back for `holdMs` (longer than the 2 s request timeout). */
  async function slowProxy(port: number, holdMs: number): Promise<string> {
    const server = createTcpServer((client) => {
      sockets.add(client);
      const upstream = connect(port, '127.0.0.1');
      sockets.add(upstream);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => setTimeout(() => client.writable && client.write(chunk), holdMs).unref());
      const end = () => (client.destroy(), upstream.destroy());
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('a wrong bootstrap, garbage, a 500, the wrong shape and a slow proxy: each names the address and the cause', { timeout: 120_000 }, async () => {
    const closed = await freePort();
    const good: Target = { cpUrl: cp.url, bootstrap: process.env.TESTER_KAFKA_BOOTSTRAP as string, topic: cp.topic, promUrl: prom.url };
    const cases: { name: string; target: Target; reason: RegExp }[] = [
      {
        name: 'wrong Kafka bootstrap',
        target: { ...good, bootstrap: `127.0.0.1:${closed}` },
        reason: new RegExp(`kafka observer \\(brokers 127\\.0\\.0\\.1:${closed}, topics ${cp.topic}\\): not ready within 10s \\(readyTimeout(?:Ms)?\\): broker 127\\.0\\.0\\.1:${closed} unreachable: ECONNREFUSED`),
      },
      { name: 'control plane answers garbage', target: { ...good, cpUrl: await tiny(200, '<html>not json') }, reason: /the API observer: no successful poll within 10000 ms: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\w+ -> 200: body is not JSON \("<html>not json"\)/ },
      { name: 'control plane answers 500', target: { ...good, cpUrl: await tiny(500, 'internal error') }, reason: /the API observer: no successful poll within 10000 ms: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\w+ -> 500 \("internal error"\)/ },
      {
        name: 'Prometheus answers the wrong shape',
        target: { ...good, promUrl: await tiny(200, '{"status":"success","data":null}') },
        reason: /the Prometheus observer: no successful poll within 10000 ms: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/targets\?state=active -> 200: expected the targets API's answer .*; is url pointing at Prometheus\?/,
      },
      { name: 'control plane behind a slow proxy', target: { ...good, cpUrl: await slowProxy(cp.port, 4000) }, reason: /the API observer: no successful poll within 10000 ms: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\w+: no answer within 2000 ms/ },
    ];
    // Side by side: each fails on its own within its ready bound, and nothing is injected anywhere.
    const outcomes = await Promise.all(cases.map((c) => probe(c.target, '30s')));
    cases.forEach((c, i) => {
      const o = outcomes[i]!;
      row(c.name, o, 30_000);
      expect(o.result.status, o.output).toBe('error');
      expect(o.result.reason).toMatch(c.reason);
      expect(o.result.reason).not.toMatch(/Cannot read properties/);
      expect(o.result.actions.map((a) => a.status)).toEqual(['not-run']);
      // Reported by the observer's own bound (10 s), well before the 30 s timeout.
      expect(o.lifeMs, c.name).toBeLessThan(15_000);
      common(o, 30_000);
    });
    expect(await activeChaos(cp.url)).toEqual([]);
  });
});

describe('sources that die or hang mid-run (private broker, Prometheus and control plane)', () => {
  let broker: Awaited<ReturnType<typeof startKafka>>;
  let cp: PrivateControlPlane;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let t: Target;

  beforeAll(async () => {
    broker = await startKafka();
    cp = await startControlPlane({ systems: 1, kafkaBootstrap: broker.bootstrap });
    prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
    t = { cpUrl: cp.url, bootstrap: broker.bootstrap, topic: cp.topic, promUrl: prom.url };
    // A scenario started before Prometheus's first scrape has no sample from before its fault.
    await untilScraped(prom.url, cp.port);
  });
  afterAll(async () => {
    await prom?.stop().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
    await broker?.stop().catch(() => undefined);
  });

  it('Kafka killed mid-run and restarted: blind while away, the run finishes once it is back: error, naming kafka', { timeout: 240_000 }, async () => {
    await untilConnected(cp.url);
    const o = await probe(t, '90s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      await broker.stop();
      await delay(5000); // longer than maxBlindMs (3 s): the observer must report itself blind
      await broker.start();
    });
    row('kafka killed and restarted', o, 90_000);
    expect(o.result.status, o.output).toBe('error');
    expect(o.result.reason).toMatch(/observer kafka (was )?blind from [+-][\d.]+m?s to \+[\d.]+m?s \(broker 127\.0\.0\.1:\d+ unreachable: (ECONNREFUSED|ECONNRESET|other side closed|socket hang up); no successful fetch for \d+ ms \(maxBlindMs=3000\)\)/);
    expect(o.result.observers.find((x) => x.source === 'kafka')!.blindSpans).toHaveLength(1);
    // The run did not wait for its timeout: the window closed once kafka was back.
    expect(o.result.window.closed).toBe(true);
    common(o, 90_000);
    expect(await activeChaos(cp.url)).toEqual([]);
  });

  it('Prometheus paused (SIGSTOP) mid-run, then resumed: error, naming prometheus', { timeout: 120_000 }, async () => {
    await untilConnected(cp.url);
    const pid = pidOn(prom!.port);
    const o = await probe(t, '40s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      process.kill(pid, 'SIGSTOP');
      await delay(4000);
      process.kill(pid, 'SIGCONT');
    });
    row('prometheus paused and resumed', o, 40_000);
    expect(o.result.status, o.output).toBe('error');
    expect(o.result.reason).toMatch(/observer prometheus (was )?blind from [+-][\d.]+m?s to \+[\d.]+m?s \(.*http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\S+: no answer within 2000 ms/);
    expect(failedReading(o, /^metrics/)).toEqual([]);
    common(o, 40_000);
    expect(await activeChaos(cp.url)).toEqual([]);
  });

  it('the control plane paused (SIGSTOP) mid-run, then resumed: error, naming api', { timeout: 120_000 }, async () => {
    await untilConnected(cp.url);
    const pid = pidOn(cp.port);
    const o = await probe(t, '40s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      process.kill(pid, 'SIGSTOP');
      await delay(4000);
      process.kill(pid, 'SIGCONT');
    });
    row('control plane paused and resumed', o, 40_000);
    expect(o.result.status, o.output).toBe('error');
    expect(o.result.reason).toMatch(/observer api (was )?blind from [+-][\d.]+m?s to \+[\d.]+m?s \(GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\S+: no answer within 2000 ms/);
    expect(failedReading(o, /^states/)).toEqual([]);
    common(o, 40_000);
    expect(await activeChaos(cp.url)).toEqual([]);
  });

  it('Prometheus killed for good: error at the timeout naming prometheus; no metric failed on a sample from before', { timeout: 120_000 }, async () => {
    await untilConnected(cp.url);
    const dead = prom!;
    const o = await probe(t, '15s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      await dead.stop();
    });
    prom = undefined;
    row('prometheus killed for good', o, 15_000);
    expect(o.result.status, o.output).toBe('error');
    expect(o.result.reason).toMatch(/observer prometheus (was blind from [+-][\d.]+m?s on|blind since [+-][\d.]+m?s) \(Prometheus unreachable: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\S+: (connect )?(ECONNREFUSED|ECONNRESET|other side closed|socket hang up)/);
    expect(failedReading(o, /^metrics/)).toEqual([]);
    common(o, 15_000);
    expect(await activeChaos(cp.url)).toEqual([]);
  });

  it('Kafka killed for good: error at the timeout, blind since when and why (broker, ECONNREFUSED); nothing reading kafka failed', { timeout: 120_000 }, async () => {
    await untilConnected(cp.url);
    const o = await probe({ ...t, promUrl: undefined }, '15s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      await broker.stop();
    });
    row('kafka killed for good', o, 15_000);
    expect(o.result.status, o.output).toBe('error');
    expect(o.result.reason).toMatch(/observer kafka (was blind from [+-][\d.]+m?s on|blind since [+-][\d.]+m?s) \(broker 127\.0\.0\.1:\d+ unreachable: (ECONNREFUSED|ECONNRESET|other side closed|socket hang up)/);
    expect(failedReading(o, /^events|^states\[1\]/)).toEqual([]);
    common(o, 15_000);
    expect(await activeChaos(cp.url)).toEqual([]);
  });
});

describe("the system's own database killed: a real outage the scenario sees, not blindness", () => {
  let mariadb: { port: number; dir: string; kill(): void };
  let cp: PrivateControlPlane;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let t: Target;

  beforeAll(async () => {
    // A private MariaDB (scripts/stack/mariadb.mjs, untyped: imported by path).
    const m = (await import(join(__dirname, '..', '..', '..', 'scripts', 'stack', 'mariadb.mjs') as string)) as {
      launchMariadb(spec: { dir: string; port: number }): { pid: number };
      prepareMariadb(spec: { dir: string; port: number; user: string; password: string; pid?: number }): Promise<void>;
    };
    const dir = mkdtempSync(join(tmpdir(), 'tester-mariadb-'));
    const port = await freePort();
    const { pid } = m.launchMariadb({ dir, port });
    mariadb = { port, dir, kill: () => process.kill(-pid, 'SIGKILL') };
    await m.prepareMariadb({ dir, port, user: 'tester', password: 'tester', pid });
    cp = await startControlPlane({ systems: 1, mariadb: { host: '127.0.0.1', port, user: 'tester', password: 'tester' } });
    prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
    t = { cpUrl: cp.url, bootstrap: process.env.TESTER_KAFKA_BOOTSTRAP as string, topic: cp.topic, promUrl: prom.url };
    await untilScraped(prom.url, cp.port);
  });
  afterAll(async () => {
    await prom?.stop().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
    try {
      mariadb?.kill();
    } catch {
      /* already gone */
    }
    if (mariadb) rmSync(mariadb.dir, { recursive: true, force: true });
  });

  it('MariaDB killed mid-run: failed, mysql never came back; no source blind (drift, which reads the database, alone)', { timeout: 120_000 }, async () => {
    await untilConnected(cp.url);
    const o = await probe(t, '20s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      mariadb.kill();
    });
    row('mariadb killed', o, 20_000);
    expect(o.result.status, o.output).toBe('failed');
    expect(o.result.expectations.find((e) => e.id === 'states[2]')).toMatchObject({ status: 'failed', message: expect.stringMatching(/mysql did not reach CONNECTED/) });
    // Every source saw: the control plane answered that mysql is down. Its /api/v1/drift, which reads the dead
    // database, answered 500: blindness of that resource alone, which the scenario does not read.
    expect(o.result.observers.flatMap((x) => x.blindSpans.filter((b) => b.resource === undefined))).toEqual([]);
    expect(o.result.reason).not.toMatch(/blind/);
    common(o, 20_000);
    expect(await activeChaos(cp.url)).toEqual([]);
  });
});

describe('the control plane itself killed for good (api and kafka, on the shared Kafka and MariaDB)', () => {
  let cp: PrivateControlPlane;
  let t: Target;

  beforeAll(async () => {
    cp = await startControlPlane({ systems: 1 });
    t = { cpUrl: cp.url, bootstrap: process.env.TESTER_KAFKA_BOOTSTRAP as string, topic: cp.topic };
  });
  afterAll(async () => {
    await cp?.stop().catch(() => undefined);
  });

  it('error naming api; its last poll decides nothing; the ledger keeps the chaos until `tester cleanup`', { timeout: 180_000 }, async () => {
    await untilConnected(cp.url);
    const o = await probe(t, '15s', async (phase) => {
      if (phase !== 'evaluation') return;
      await delay(500);
      process.kill(pidOn(cp.port), 'SIGKILL');
    });
    row('control plane killed for good', o, 15_000);
    expect(o.result.status, o.output).toBe('error');
    expect(o.result.reason).toMatch(/observer api (was blind from [+-][\d.]+m?s on|blind since [+-][\d.]+m?s) \(GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\S+: .*(ECONNREFUSED|ECONNRESET|other side closed|socket hang up)/);
    expect(failedReading(o, /^states/)).toEqual([]);
    common(o, 15_000, { ledger: false });
    // The rollback could not reach it: the run says so, and the ledger keeps the fault for `tester cleanup`.
    expect(o.result.rollbacks).toEqual([expect.objectContaining({ status: 'failed', description: expect.stringMatching(/^DELETE chaos tester-/) })]);
    expect(o.ledger).toHaveLength(1);
    // The same control plane back (same port, topic and database): cleanup ends the chaos and empties the ledger.
    cp = await startControlPlane({ systems: 1, port: cp.port, topic: cp.topic, database: cp.database });
    const cleanup = await runCli(['cleanup'], { cwd: o.dir, ...PRIVATE });
    expect(cleanup.code, cleanup.stdout + cleanup.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(o.dir, '.tester', 'ledger.json'), 'utf8')) as { entries: unknown[] }).entries).toEqual([]);
    expect(await activeChaos(cp.url)).toEqual([]);
  });
});

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function untilScraped(url: string, port: number): Promise<void> {
  const q = `${url}/api/v1/query?query=${encodeURIComponent(`up{instance="127.0.0.1:${port}"}`)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await fetch(q).then((r) => r.json()).catch(() => ({}))) as { data?: { result?: { value: [number, string] }[] } };
    if (body.data?.result?.some((r) => r.value[1] === '1')) return;
    if (Date.now() > deadline) throw new Error(`${url} never scraped 127.0.0.1:${port}`);
    await delay(250);
  }
}
