/**
 * The seeded fuzz run: thousands of scenario and config files made by mutating the shipped scenarios, the fuzz
 * corpus and a config, plus random documents. The bulk goes through the built loaders in a worker thread (fast;
 * a watchdog terminates it when one input hangs); a sample goes through the real CLI, each call bounded. Nothing
 * may crash (an internal error, a throw that is not a problem), hang, or exit other than 0 and 2.
 *
 * The seed is printed; rerun one with FUZZ_SEED=<seed>. FUZZ_SCENARIOS / FUZZ_CONFIGS change the counts.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { E2E_INSTALL } from './build-setup';
import { runBounded } from './helpers/bounded';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SCENARIOS = Number(process.env.FUZZ_SCENARIOS ?? 1500);
const CONFIGS = Number(process.env.FUZZ_CONFIGS ?? 300);
/** An input that takes longer than this in the worker is a hang. */
const WATCHDOG_MS = 10_000;

const ROOT = join(__dirname, '..', '..', '..');
const CORPUS = join(__dirname, 'fixtures', 'fuzz');
const TMP = join(__dirname, '..', 'tmp');

/** mulberry32: a small seeded PRNG, so a failing run can be replayed exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const NASTY_VALUES = [
  '', '0', '-1', '1e308', '-1e308', '.inf', '.nan', '~', 'null', 'true', '"', "'", '!!null x', '!!map []', '!!int soon', '!!str', '!foo bar',
  '*nope', '&a [*a]', '&b { x: *b }', '{ a: 1, a: 2 }', '__proto__', '[[[[[[', '{{', ']]', '${x}', '${env:NOPE_UNSET}', '$${x}', '"${"',
  '(a+)+$', '"(a+)+$"', '"("', '2h', '25h', '0ms', '1e-9', '0x1F', '0o17', '123456789012345678901234567890', '"\\u0000"', '|', '>-', '- - - - x',
  '[1, [2, [3]]]', 'CHAOS', 'HTTP', 'DRIFT', 'KAFKA_PUBLISH', 'http://example.com/x', '//example.com/x', 'mysql.state == CONNECTED', '"\\t"', '<<: *a',
  '{ regex: "(a|aa)+" }', '{ __proto__: { x: 1 } }', '? a', '@x', '`x`', '%TAG', '"\u2028"', '\uFEFFname', '1:2:3', '-', '- -', '[-1]', '{}', '[]',
] as const;
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', '<<', 'type', 'regex', 'where', 'timeout', 'duration', 'actions', 'expectations', 'preconditions', 'x'.repeat(300), '"quoted"', '? complex', '1', 'true', '~', 'url', 'desired'] as const;
const NASTY_CEL = [
  '1 / 0 == 1', 'int("abc") == 1', 'a && 1', 'x.matches("(a+)+$")', 'x.matches("(")', 'x.matches(y)', '"a" + 1', '[1, 2][5] == 1', 'size(x) > 0', 'has(x.y)',
  'x.exists(e, e > 1 / 0)', '((((((((((x))))))))))', `${'!'.repeat(300)}true`, `${'1 + '.repeat(200)}1 == 1`, 'mysql.state == CONNECTED', 'x ? y : z', '{"a": 1}.b == 1',
  'dyn(1) == 1', 'timestamp("bad") > x', 'duration("1x") > x', 'x.y.z.w == "a"', '"abc".matches("^a") && x', '1', '"s"', 'x == ', '[' , 'a.b(', 'CONNECTED',
] as const;
const CHARS = ['{', '}', '[', ']', ':', '-', '&', '*', '!', '|', '>', "'", '"', '#', '%', '@', '`', '\t', '\n', '\r', '\0', '\u2028', '\uFEFF', ',', '?', ' ', '$', '{{', '\\'];

function mutate(text: string, rng: Rng): string {
  const lines = text.split('\n');
  const line = () => rng.int(Math.max(1, lines.length));
  const ops: (() => void)[] = [
    () => {
      const i = line();
      lines[i] = (lines[i] ?? '').replace(/:\s.*$/, `: ${rng.pick(NASTY_VALUES)}`);
    },
    () => {
      const i = line();
      lines[i] = (lines[i] ?? '').replace(/^(\s*-?\s*)[\w.]+:/, `$1${rng.pick(NASTY_KEYS)}:`);
    },
    () => lines.splice(line(), 0, `${' '.repeat(rng.int(4) * 2)}${rng.pick(NASTY_KEYS)}: ${rng.pick(NASTY_VALUES)}`),
    () => lines.splice(line(), 1),
    () => {
      const i = line();
      lines.splice(i, 0, lines[i] ?? '');
    },
    () => {
      const i = line();
      const j = line();
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
    },
    () => lines.splice(line()),
    () => {
      const i = line();
      const l = lines[i] ?? '';
      const at = rng.int(l.length + 1);
      lines[i] = l.slice(0, at) + rng.pick(CHARS) + l.slice(at);
    },
    () => {
      const i = line();
      lines[i] = rng.next() < 0.5 ? `  ${lines[i] ?? ''}` : (lines[i] ?? '').replace(/^ {1,2}/, '');
    },
    () => lines.push('preconditions:', `  - ${JSON.stringify(rng.pick(NASTY_CEL))}`),
    () => {
      const i = line();
      lines.splice(i, 0, ...Array<string>(rng.pick([10, 100, 1000, 3000])).fill(lines[i] ?? '- x'));
    },
    () => lines.push(`zz: &anchor ${rng.pick(['[1, 2]', '{ a: 1 }', 'x'])}`, `yy: [${Array<string>(rng.int(200)).fill('*anchor').join(', ')}]`),
    () => lines.push(`deep: ${'['.repeat(rng.pick([10, 63, 65, 200, 2000]))}${']'.repeat(rng.pick([10, 63, 65, 200, 2000]))}`),
  ];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) rng.pick(ops)();
  return lines.join('\n');
}

/** A random JSON-like value, rendered as YAML: shapes no mutation of a real scenario reaches. */
function randomDocument(rng: Rng): string {
  const value = (depth: number): unknown => {
    const r = rng.int(depth > 4 ? 4 : 8);
    if (r === 0) return rng.pick(NASTY_VALUES);
    if (r === 1) return rng.int(2) ? rng.next() * 10 ** rng.int(400) : -rng.int(1000);
    if (r === 2) return rng.pick([true, false, null]);
    if (r === 3) return rng.pick(NASTY_CEL);
    if (r < 6) return Array.from({ length: rng.int(4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = rng.int(5); i > 0; i--) out[rng.pick([...NASTY_KEYS, 'name', 'system', 'fault', 'states', 'events', 'policies', 'metrics', 'count'])] = value(depth + 1);
    return out;
  };
  const doc: Record<string, unknown> = { name: 'random' };
  if (rng.int(2)) doc.actions = Array.from({ length: rng.int(3) }, () => ({ type: rng.pick(['CHAOS', 'HTTP', 'DRIFT', 'KAFKA_PUBLISH', 'NOPE']), ...(value(1) as object) }));
  if (rng.int(2)) doc.expectations = { [rng.pick(['states', 'events', 'policies', 'metrics', 'timing', 'nope'])]: [value(1)] };
  if (rng.int(2)) doc[rng.pick(NASTY_KEYS)] = value(1);
  try {
    return stringify(doc);
  } catch {
    return 'name: unrenderable\n';
  }
}

const BASE_CONFIG = `controlPlaneUrl: http://127.0.0.1:8080
kafkaBootstrap: 127.0.0.1:9092
prometheusUrl: http://127.0.0.1:9090
defaults:
  scenariosDir: scenarios
  concurrency: 2
  timeout: 2m
  failFast: false
reporters:
  - console
  - junit=reports/junit.xml
ledger: .tester/ledger.json
variables:
  system: mysql
api:
  allowedHosts: [cp.internal]
  poll:
    fastInterval: 100ms
    slowInterval: 2s
kafka:
  topics: control-plane.events
  maxWaitTimeMs: 500
prometheus:
  queries: [up]
  poll:
    fastInterval: 250ms
`;

interface WorkerReply {
  id: number;
  ms: number;
  ok?: boolean;
  problems?: string[];
  error?: { name?: string; code?: string; message: string };
}

/** The built loaders in a worker thread, one input at a time, each under the watchdog. */
class LoaderWorker {
  private worker!: Worker;
  private id = 0;
  constructor(private readonly root: string) {}

  async start(): Promise<void> {
    this.worker = new Worker(join(__dirname, 'helpers', 'fuzz-worker.mjs'), { workerData: { root: this.root } });
    await new Promise<void>((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
  }

  run(input: { kind: 'scenario' | 'config'; name: string; text: string; dir?: string }): Promise<WorkerReply | 'hang'> {
    const id = ++this.id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.worker.off('message', onMessage);
        void this.worker.terminate().then(() => this.start()).then(() => resolve('hang'));
      }, WATCHDOG_MS);
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return;
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        resolve(reply);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ id, ...input });
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Codes that mean "the input is bad" (exit 2), as the CLI maps them. */
const CANNOT_START = /^(USAGE|CONFIG_INVALID|SCENARIO_INVALID|PLUGIN_NOT_FOUND|PLUGIN_API_MISMATCH|PLUGIN_ERROR|REPORT_INVALID|LEDGER_CORRUPT)$/;
/** `file:line:col path: message` or `file:line:col: message`; a path may hold quoted keys (`["a: b"]`). */
const problemLine = (name: string) => new RegExp(`^${name.replace(/\./g, '\\.')}:\\d+:\\d+(: | \\S.*?: )\\S`);

describe(`fuzz (seed ${SEED}: rerun with FUZZ_SEED=${SEED})`, () => {
  const rng = prng(SEED);
  let snapshot: string;
  let worker: LoaderWorker;
  let out: string | undefined;
  const scenarios: { name: string; text: string }[] = [];
  const configs: { name: string; text: string }[] = [];

  beforeAll(async () => {
    console.log(`fuzz seed: ${SEED} (rerun with FUZZ_SEED=${SEED}); ${SCENARIOS} scenarios, ${CONFIGS} configs`);
    // A private copy of the build: other test runs in this checkout rebuild tmp/e2e-install under our feet.
    mkdirSync(TMP, { recursive: true });
    snapshot = mkdtempSync(join(TMP, 'fuzz-'));
    cpSync(join(E2E_INSTALL, 'node_modules'), join(snapshot, 'node_modules'), { recursive: true });
    worker = new LoaderWorker(join(snapshot, 'node_modules', '@tester'));
    await worker.start();

    const seeds = [
      ...readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(ROOT, 'scenarios', f), 'utf8')),
      ...readdirSync(join(CORPUS, 'scenarios')).map((f) => readFileSync(join(CORPUS, 'scenarios', f), 'utf8')),
    ];
    for (let i = 0; i < SCENARIOS; i++) {
      const text = rng.next() < 0.15 ? randomDocument(rng) : mutate(rng.pick(seeds), rng);
      scenarios.push({ name: `s${String(i).padStart(4, '0')}.yaml`, text });
    }
    for (let i = 0; i < CONFIGS; i++) configs.push({ name: `c${String(i).padStart(4, '0')}.yaml`, text: mutate(BASE_CONFIG, rng) });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    // The build copy is only needed while the run lasts; inputs that failed are kept apart (see keep).
    if (snapshot) rmSync(snapshot, { recursive: true, force: true });
  });

  /** Keeps a failing input where the message says (tmp/fuzz-failures-<seed>/), for replay. */
  const keep = (name: string, text: string) => {
    out ??= mkdtempSync(join(TMP, `fuzz-failures-${SEED}-`));
    writeFileSync(join(out, name), text);
    return join(out, name);
  };

  it(`parses every generated scenario without a crash or a hang; problems are placed, capped and bounded`, async () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(1000);
    const failures: string[] = [];
    let valid = 0;
    for (const { name, text } of scenarios) {
      const reply = await worker.run({ kind: 'scenario', name, text });
      if (reply === 'hang') failures.push(`${keep(name, text)}: no answer within ${WATCHDOG_MS} ms`);
      else if (reply.error) failures.push(`${keep(name, text)}: threw ${reply.error.name}: ${reply.error.message}`);
      else if (reply.ok) valid++;
      else {
        const problems = reply.problems ?? [];
        if (problems.length < 1 || problems.length > 51) failures.push(`${keep(name, text)}: ${problems.length} problems listed`);
        for (const p of problems) {
          if (!problemLine(name).test(p) || p.includes('\n')) failures.push(`${keep(name, text)}: not file:line:col path: message: ${p.slice(0, 200)}`);
          if (p.length > 700) failures.push(`${keep(name, text)}: a ${p.length}-character problem`);
        }
      }
      if (reply !== 'hang' && reply.ms > 5_000) failures.push(`${keep(name, text)}: took ${Math.round(reply.ms)} ms`);
      if (failures.length > 20) break;
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    // The mutations must not all be trivially invalid: some stay valid scenarios.
    expect(valid).toBeGreaterThan(0);
  }, 600_000);

  it('loads every generated config (and its plugins) or refuses it as bad input, without a crash or a hang', async () => {
    const dir = mkdtempSync(join(snapshot, 'configs-'));
    const failures: string[] = [];
    for (const { name, text } of configs) {
      const reply = await worker.run({ kind: 'config', name, text, dir });
      if (reply === 'hang') failures.push(`${keep(name, text)}: no answer within ${WATCHDOG_MS} ms`);
      else if (reply.error && !CANNOT_START.test(reply.error.code ?? '')) failures.push(`${keep(name, text)}: threw ${reply.error.name} ${reply.error.code}: ${reply.error.message}`);
      else if (reply.error && (reply.error.message.length > 20_000 || /\n\s+at /.test(reply.error.message))) failures.push(`${keep(name, text)}: unbounded or stack: ${reply.error.message.slice(0, 200)}`);
      if (failures.length > 20) break;
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 600_000);

  it('the real CLI validates a sample: exit 0 or 2 only, no internal error, bounded time and output', async () => {
    const bin = join(snapshot, 'node_modules', '@tester', 'cli', 'dist', 'bin.cjs');
    const folder = join(snapshot, 'sample');
    mkdirSync(folder);
    const sample = Array.from({ length: 60 }, () => rng.pick(scenarios));
    for (const s of sample) writeFileSync(join(folder, s.name), s.text);
    const failures: string[] = [];
    // `what` is only made (and a config input kept) when the call failed.
    const check = (what: () => string, r: Awaited<ReturnType<typeof runBounded>>) => {
      if (r.timedOut) failures.push(`${what()}: timed out`);
      else if (r.code !== 0 && r.code !== 2) failures.push(`${what()}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
      if (/internal error|\n\s+at /.test(r.stderr)) failures.push(`${what()}: ${r.stderr.slice(0, 500)}`);
      if (r.outputBytes > 200_000) failures.push(`${what()}: ${r.outputBytes} bytes of output`);
    };
    const inputs = (names: string[]) => names.map((n) => keep(n, sample.find((s) => s.name === n)!.text)).join(', ');
    check(() => `tester validate on ${inputs(sample.map((s) => s.name))}`, await runBounded(['validate', folder], { cwd: snapshot, timeoutMs: 90_000, bin }));
    for (const s of sample.slice(0, 10)) check(() => `tester validate ${keep(s.name, s.text)}`, await runBounded(['validate', join(folder, s.name)], { cwd: snapshot, timeoutMs: 30_000, bin }));
    for (const c of Array.from({ length: 8 }, () => rng.pick(configs))) {
      const dir = mkdtempSync(join(snapshot, 'cli-config-'));
      writeFileSync(join(dir, 'tester.config.yaml'), c.text);
      writeFileSync(join(dir, 'ok.yaml'), 'name: ok\nsystems: [x]\nexpectations:\n  states:\n    - { system: mysql, final_state: CONNECTED }\n');
      check(() => `tester validate with ${keep(c.name, c.text)}`, await runBounded(['validate', 'ok.yaml'], { cwd: dir, timeoutMs: 30_000, bin }));
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 600_000);
});
