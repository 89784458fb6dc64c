// Replay equals live (issue #13): what a `tester replay` of a JSON report must reproduce of the live run, shared by
// every e2e suite that runs scenarios on the real stack, whichever way it spawns the CLI.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Each scenario's status and reason, each expectation's status, message and evidence (by timeline seq). */
export function verdictsOf(report) {
  return report.scenarios
    .filter((s) => s.attempts.length)
    .map((s) => {
      const a = s.attempts.at(-1);
      return {
        name: s.name,
        status: a.status,
        reason: a.reason,
        expectations: a.expectations.map((e) => ({ id: e.id, status: e.status, message: e.message, evidence: e.evidence.map((o) => o.seq) })),
      };
    });
}

/**
 * Replays `reportFile` (relative to `dir`, or absolute) with `runCli(args, dir)` and throws when any verdict differs. Scenarios
 * that ended before their window (no replay record: a refused precondition, an interrupted run) have nothing to
 * re-judge. Returns the live report.
 */
export async function expectReportReplays(dir, reportFile, runCli) {
  const live = JSON.parse(readFileSync(resolve(dir, reportFile), 'utf8'));
  const ran = live.scenarios.filter((s) => s.attempts.at(-1)?.replay);
  if (!ran.length) return live;
  const out = `${reportFile}.replay.json`;
  const r = await runCli(['replay', reportFile, '-r', `json=${out}`], dir);
  if (r.code !== 0 && r.code !== 1) throw new Error(`tester replay exited ${r.code}: ${r.output ?? `${r.stdout}${r.stderr}`}`);
  const replayed = JSON.parse(readFileSync(resolve(dir, out), 'utf8'));
  const want = JSON.stringify(verdictsOf({ ...live, scenarios: ran }), null, 1);
  const got = JSON.stringify(verdictsOf(replayed), null, 1);
  if (want !== got) throw new Error(`replay differs from the live run in ${dir}:\nlive:   ${want}\nreplay: ${got}`);
  return live;
}

/**
 * The same property for a harness that calls core directly: `replay(recorded)` re-judges the live result (as its
 * JSON report carries it) and must give the same status, reason and per-expectation status, message and evidence.
 * A run that ended before its window (no replay record) has nothing to re-judge.
 */
export function expectResultReplays(live, replay) {
  if (!live.replay) return;
  const verdicts = (r) => verdictsOf({ scenarios: [{ name: r.scenario.name, attempts: [r] }] });
  const replayed = replay(JSON.parse(JSON.stringify(live)));
  const want = JSON.stringify(verdicts(live), null, 1);
  const got = JSON.stringify(verdicts(replayed), null, 1);
  if (want !== got) throw new Error(`replay differs from the live run of ${live.scenario.name}:\nlive:   ${want}\nreplay: ${got}`);
}
