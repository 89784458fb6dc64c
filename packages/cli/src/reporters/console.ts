import type { ExpectationStatus, ProgressEvent, ScenarioResult } from '@tester/core/runner';
import { decisiveAttempt, expectationCounts, failureText, lastChangesLines, problemsOf, undecidedCount, UNDECIDED_MEANING } from './format';
import type { EntryStatus, PlannedScenario, Reporter, ReporterContext, SuiteReport } from './types';

const CODES = { red: 31, green: 32, yellow: 33, magenta: 35, gray: 90, bold: 1 } as const;

/** Colours only on a TTY, never with `NO_COLOR` (https://no-color.org), always with `FORCE_COLOR`. */
export function useColor(ctx: Pick<ReporterContext, 'stdout' | 'env'>): boolean {
  if (ctx.env.NO_COLOR !== undefined && ctx.env.NO_COLOR !== '') return false;
  if (ctx.env.FORCE_COLOR !== undefined && ctx.env.FORCE_COLOR !== '0') return true;
  return Boolean(ctx.stdout.isTTY);
}

interface Live {
  scenario: PlannedScenario;
  attempt: number;
  phase: string;
  decided?: Set<string>;
  undecided?: Set<string>;
  total: number;
  startedAt: number;
}

/**
 * `console`: on a TTY, a live block of running scenarios (phase, pending expectations, elapsed) redrawn in place;
 * without one, one line per phase change. Then failures with their evidence, and a summary table.
 */
export function consoleReporter(ctx: ReporterContext): Reporter {
  const color = useColor(ctx);
  const paint = (c: keyof typeof CODES, s: string) => (color ? `\u001b[${CODES[c]}m${s}\u001b[0m` : s);
  const tty = Boolean(ctx.stdout.isTTY) && ctx.env.CI === undefined;
  const live = new Map<string, Live>();
  let drawn = 0;
  let ticker: NodeJS.Timeout | undefined;
  const out = (s: string) => ctx.stdout.write(s);

  const clear = () => {
    if (tty && drawn > 0) out(`\u001b[${drawn}A\u001b[0J`);
    drawn = 0;
  };
  const draw = () => {
    if (!tty) return;
    clear();
    const lines = [...live.values()].map((l) => {
      const elapsed = ((Date.now() - l.startedAt) / 1000).toFixed(1);
      const pending = l.total ? `, ${l.total - (l.decided?.size ?? 0)} of ${l.total} expectations pending` : '';
      const undecided = l.undecided?.size ? `, ${l.undecided.size} undecided` : '';
      return `${paint('yellow', '●')} ${l.scenario.name} ${paint('gray', `${l.phase}${pending}${undecided}, ${elapsed}s`)}`;
    });
    if (lines.length) out(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const print = (line: string) => {
    clear();
    out(`${line}\n`);
    draw();
  };
  const mark = (status: EntryStatus) =>
    ({ passed: paint('green', '✓'), failed: paint('red', '✗'), error: paint('red', '!'), flaky: paint('yellow', '~'), 'not-run': paint('gray', '-') })[status];
  // `undecided` has its own mark and colour: not blamed like `failed`, not confirmed like `passed`.
  const EXPECTATION_LOOK: Record<ExpectationStatus, [keyof typeof CODES, string]> = {
    passed: ['green', '✓'],
    failed: ['red', '✗'],
    error: ['red', '!'],
    undecided: ['magenta', '?'],
  };
  const expectationMark = (status: ExpectationStatus) => {
    const [c, symbol] = EXPECTATION_LOOK[status] ?? ['red', '!'];
    return `${paint(c, symbol)} ${paint(c, status)}`;
  };

  return {
    name: 'console',
    onRunStart(planned) {
      out(`Running ${planned.length} scenario(s)\n`);
      // A redraw interval for the live block only; it decides nothing.
      if (tty) ticker = setInterval(draw, 250).unref();
    },
    onScenarioStart(scenario, attempt) {
      live.set(scenario.file, { scenario, attempt, phase: 'starting', total: scenario.expectations ?? 0, startedAt: Date.now() });
      if (!tty) print(`${scenario.file}${attempt > 1 ? ` (run ${attempt})` : ''}: starting`);
      else draw();
    },
    onProgress(scenario, event: ProgressEvent) {
      const l = live.get(scenario.file);
      if (!l) return;
      if (event.type === 'expectation' && event.id) {
        l.decided ??= new Set();
        l.undecided ??= new Set();
        if (event.provisional) l.decided.delete(event.id);
        else l.decided.add(event.id);
        if (event.status === 'undecided' && !event.provisional) l.undecided.add(event.id);
        else l.undecided.delete(event.id);
      }
      if (event.type === 'phase' && event.phase && event.phase !== l.phase) {
        l.phase = event.phase;
        if (!tty) print(`${scenario.file}: ${event.phase}`);
      }
    },
    onScenarioEnd(scenario, result: ScenarioResult) {
      live.delete(scenario.file);
      const undecided = undecidedCount(result);
      const note = undecided ? ` ${paint('magenta', `(${undecided} undecided)`)}` : '';
      print(`${mark(result.status)} ${scenario.name} ${paint('gray', `(${scenario.file}, ${(result.durationMs / 1000).toFixed(1)}s)`)} ${result.status}${note}`);
    },
    onMessage(level, text) {
      print(level === 'info' ? text : paint(level === 'warn' ? 'yellow' : 'red', text));
    },
    onRunEnd(report: SuiteReport) {
      if (ticker) clearInterval(ticker);
      clear();
      const lines: string[] = [];
      for (const entry of report.scenarios.filter((e) => e.status !== 'passed')) {
        lines.push('', paint('bold', `${mark(entry.status)} ${entry.name} (${entry.file}): ${entry.status}${entry.reason ? ` - ${entry.reason}` : ''}`));
        const last = decisiveAttempt(entry);
        if (!last) continue;
        for (const p of problemsOf(last)) if (p !== entry.reason) lines.push(`  ${p}`);
        if (last.expectations.length) lines.push(`  expectations: ${expectationCounts(last)}`);
        for (const e of last.expectations.filter((x) => x.status !== 'passed')) {
          lines.push(`  ${expectationMark(e.status)} ${e.id}: ${e.description}`);
          lines.push(...failureText(last, e).split('\n').map((l) => `    ${l}`));
        }
        if (undecidedCount(last)) {
          lines.push(`  ${paint('magenta', '?')} undecided: ${UNDECIDED_MEANING}.`);
          const changes = lastChangesLines(last);
          if (changes.length) lines.push('  last changes before the timeout:', ...changes.map((c) => `    ${c}`));
        }
      }
      lines.push('', summaryTable(report, mark));
      const s = report.summary;
      const parts = [`${s.passed} passed`, `${s.failed} failed`, `${s.error} error`];
      if (s.flaky) parts.push(`${s.flaky} flaky`);
      if (s.notRun) parts.push(`${s.notRun} not run`);
      const undecided = report.scenarios.reduce((n, e) => n + undecidedCount(decisiveAttempt(e)), 0);
      const note = undecided ? ` (${paint('magenta', `${undecided} expectation(s) undecided`)})` : '';
      lines.push(`${report.status === 'passed' ? paint('green', 'PASSED') : paint('red', report.status.toUpperCase())}: ${parts.join(', ')}${note} in ${(report.durationMs / 1000).toFixed(1)}s`);
      out(`${lines.join('\n')}\n`);
    },
  };
}

function summaryTable(report: SuiteReport, mark: (s: EntryStatus) => string): string {
  const rows = report.scenarios.map((e) => [
    `${mark(e.status)} ${e.status}`,
    e.name,
    e.file,
    e.attempts.length ? `${(e.attempts.reduce((t, a) => t + a.durationMs, 0) / 1000).toFixed(1)}s` : '-',
    String(e.attempts.length),
  ]);
  const header = ['status', 'scenario', 'file', 'time', 'runs'];
  // Widths from the uncoloured text, so ANSI codes do not skew the columns.
  // eslint-disable-next-line no-control-regex
  const plain = (s: string) => s.replace(/\u001b\[\d+m/g, '');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i] as string).length)));
  const fmt = (r: string[]) => r.map((c, i) => c + ' '.repeat((widths[i] as number) - plain(c).length)).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}
