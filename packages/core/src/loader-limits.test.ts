import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCel } from './cel';
import { PLUGIN_API_VERSION, definePlugin } from './contract';
import { INPUT_LIMITS } from './input-guard';
import { loadScenario, parseScenario } from './loader';
import { formatProblem } from './scenario-types';
import { seedPlugins } from '../test/fixtures/seed-plugins';

/** A plugin with an open `desired` (as DRIFT has) and a `regex` matcher (as HTTP's expect.body has). */
const openPlugin = definePlugin({
  name: 'fake-open',
  apiVersion: PLUGIN_API_VERSION,
  actions: {
    DRIFT: { schema: z.strictObject({ resource: z.string(), desired: z.unknown() }), run: async () => ({}) },
    MATCH: { schema: z.strictObject({ expect: z.strictObject({ body: z.strictObject({ regex: z.string() }) }) }), run: async () => ({}) },
  },
  assertions: {
    // As the built-in events section: a CEL `where`, compiled while validating.
    filters: {
      schema: z.strictObject({
        where: z.string().superRefine((expression, ctx) => {
          try {
            compileCel(expression);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        }),
      }),
      create: () => ({ description: 'x', sources: [], needsClosedWindow: false, verdict: () => ({ status: 'pending' as const }) }),
    },
  },
});
const plugins = [...seedPlugins, openPlugin];

const ACTION = 'actions:\n  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 5 }\n';

function problems(source: string): string[] {
  const result = parseScenario(source, { file: 's.yaml', plugins, env: {} });
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('input the loader refuses, with its place, instead of crashing or accepting it', () => {
  it.each<[string, string, string[]]>([
    ['a self-referencing alias', 'name: t\nzz: &r [*r]\n', ['s.yaml:2:9 zz[0]: the alias *r is inside the value it refers to (a cycle): write the value out instead']],
    [
      'a self-referencing alias in a DRIFT desired',
      'name: t\nactions:\n  - type: DRIFT\n    resource: r\n    desired: &d { a: [*d] }\n',
      ['s.yaml:5:23 actions[0].desired.a[0]: the alias *d is inside the value it refers to (a cycle): write the value out instead'],
    ],
    ['an unresolvable scalar tag', `name: t\ntimeout: !!null x\n${ACTION}`, ['s.yaml:2:10: YAML: Unresolved tag: tag:yaml.org,2002:null: remove the tag (quote the value if it is text)']],
    ['an unresolvable collection tag', 'name: t\nactions: !!map []\n', ['s.yaml:2:10: YAML: Unresolved tag: tag:yaml.org,2002:map: remove the tag (quote the value if it is text)']],
    ['a custom tag', `name: !secret t\n${ACTION}`, ['s.yaml:1:7: YAML: Unresolved tag: !secret: remove the tag (quote the value if it is text)']],
    [
      'a whole scenario under __proto__',
      'name: t\n__proto__:\n  name: u\n  actions: [{ type: HTTP, path: /x }]\n',
      ['s.yaml:2:1 __proto__: unknown key "__proto__": this key is never accepted; remove it'],
    ],
    [
      '__proto__ inside an expectation',
      `name: t\n${ACTION}expectations:\n  events:\n    - type: X\n      __proto__: { count: 5 }\n`,
      ['s.yaml:7:7 expectations.events[0].__proto__: unknown key "__proto__": this key is never accepted; remove it'],
    ],
    ['a key that is a mapping', `name: t\n${ACTION}? { a: 1 }\n: x\n`, ['s.yaml:4:3: a key is a list or a mapping: keys are names; write it as one']],
    ['timeout: 0', `name: t\ntimeout: 0\n${ACTION}`, ['s.yaml:2:10 timeout: expected a duration of more than 0, got number 0']],
    ['timeout: 1e308', `name: t\ntimeout: 1e308\n${ACTION}`, ['s.yaml:2:10 timeout: expected a duration of at most 24h, got number 1e+308: write a shorter one (numbers are seconds)']],
    ['timeout: 25h', `name: t\ntimeout: 25h\n${ACTION}`, ['s.yaml:2:10 timeout: expected a duration of at most 24h, got string "25h": write a shorter one (numbers are seconds)']],
    ['a fault of 1e308 seconds', 'name: t\nactions:\n  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1e308 }\n', ['s.yaml:3:61 actions[0].duration: expected a duration of at most 24h, got number 1e+308: write a shorter one (numbers are seconds)']],
    ['no actions and no expectations', 'name: t\n', ['s.yaml:1:1: the scenario has no actions and no expectations, so it checks nothing: add actions (the fault to inject) and expectations (what the system must do)']],
    ['empty actions and expectations', 'name: t\nactions: []\nexpectations: {}\n', ['s.yaml:2:10 actions: the scenario has no actions and no expectations, so it checks nothing: add actions (the fault to inject) and expectations (what the system must do)']],
    [
      'an invalid regex in matches()',
      `name: t\npreconditions:\n  - mysql.state.matches("(")\n${ACTION}`,
      ['s.yaml:3:25 preconditions[0]: invalid CEL expression "mysql.state.matches(\\"(\\")": matches("("): invalid regular expression: /(/: Unterminated group (at character 21)'],
    ],
    [
      'a catastrophic regex in a CEL where',
      `name: t\n${ACTION}expectations:\n  filters:\n    - where: payload.x.matches("(a+)+$")\n`,
      [expect.stringMatching(/^s\.yaml:6:14 expectations\.filters\[0\]\.where: invalid CEL expression .*regular expression refused: a repetition inside an unbounded repetition/) as unknown as string],
    ],
    ['an invalid regex field', 'name: t\nactions:\n  - type: MATCH\n    expect: { body: { regex: "(" } }\n', ['s.yaml:4:30 actions[0].expect.body.regex: invalid regular expression: /(/: Unterminated group']],
    [
      'a catastrophic regex field',
      'name: t\nactions:\n  - type: MATCH\n    expect: { body: { regex: "(a|aa)+$" } }\n',
      ['s.yaml:4:30 actions[0].expect.body.regex: regular expression refused: an unbounded repetition of alternatives that can match the same text (like (a|a)* or (a|aa)+) can take exponential time; make the alternatives start differently'],
    ],
    ['a precondition that divides by zero', `name: t\npreconditions:\n  - 1 / 0 == 1\n${ACTION}`, ['s.yaml:3:5 preconditions[0]: invalid CEL expression "1 / 0 == 1": "1 / 0" fails at every run: division by zero (at character 1)']],
    [
      'a precondition with a bad conversion',
      `name: t\npreconditions:\n  - mysql.up && int("abc") == 1\n${ACTION}`,
      ['s.yaml:3:17 preconditions[0]: invalid CEL expression "mysql.up && int(\\"abc\\") == 1": "int(\\"abc\\")" fails at every run: int() type error: cannot convert to int (at character 13)'],
    ],
    [
      'a precondition that is not boolean-typed',
      `name: t\npreconditions:\n  - mysql.state == "X" && 1\n  - size("abc") + 1\n${ACTION}`,
      [
        `s.yaml:3:5 preconditions[0]: invalid CEL expression "mysql.state == \\"X\\" && 1": type error: Logical operator requires bool operands, got 'int' (at character 1)`,
        's.yaml:4:5 preconditions[1]: a precondition must be true or false, and this one is always of type int: compare it (mysql.state == "CONNECTED")',
      ],
    ],
  ])('%s', (_name, source, expected) => {
    expect(problems(source)).toEqual(expected);
  });

  it('pre-scans nesting before parsing: 100 lines of 1,000 open brackets take milliseconds, not seconds', () => {
    const started = performance.now();
    const list = problems(`name: t\n${ACTION}${Array.from({ length: 100 }, (_v, i) => `k${i}: ${'['.repeat(1000)}`).join('\n')}\n`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(list).toEqual(['s.yaml:4:69: the YAML nests too deeply to be read; at most 64 levels are accepted']);
    // Brackets in quotes, comments, plain text and block scalars are not nesting.
    expect(problems(`name: t\n${ACTION}description: |\n  ${'['.repeat(100)}\ntags: ["${'['.repeat(100)}"] # ${'{'.repeat(100)}\n`)).toEqual([]);
  });

  it('refuses documents nested too deeply, with more values than the limit, or alias bombs, naming the limit', () => {
    const deep = `name: t\nactions:\n${'- '.repeat(3000)}x\n`;
    expect(problems(deep)).toEqual([expect.stringMatching(/^s\.yaml:\d+:\d+: the YAML nests too deeply to be read; at most 64 levels are accepted$/)]);
    expect(problems(`name: t\nactions:\n${'- '.repeat(100)}x\n`)).toEqual(['s.yaml:3:131: the YAML nests too deeply to be read; at most 64 levels are accepted']);
    // Nesting by indentation is not pre-scanned: the parsed document is walked.
    const indented = `name: t\nzz:\n${Array.from({ length: 70 }, (_v, i) => `${' '.repeat(i + 1)}k:`).join('\n')} x\n`;
    expect(problems(indented)).toEqual([expect.stringMatching(/^s\.yaml:\d+:\d+ zz(\.k)+: nested more than 64 levels deep; at most 64 are accepted$/)]);
    const many = `name: t\ntags:\n${'  - a\n'.repeat(INPUT_LIMITS.maxNodes + 1)}`;
    expect(problems(many)).toEqual([expect.stringMatching(/^s\.yaml:\d+:5 tags\[\d+\]: the document holds more than 10000 values \(aliases expanded\); at most 10000 are accepted: split it$/)]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(problems(`name: t\n${bomb}\n`)[0]).toMatch(/the document holds more than 10000 values \(aliases expanded\)|more than 100 aliases/);
  });

  it('lists the first 50 problems of a file and counts the rest, without overflowing the stack', () => {
    const items = Array.from({ length: 3_000 }, () => '    - { bogus: 1 }').join('\n');
    const list = problems(`name: t\n${ACTION}expectations:\n  events:\n${items}\n`);
    expect(list).toHaveLength(51);
    expect(list[50]).toMatch(/^s\.yaml:\d+:\d+: 5950 more problem\(s\) in this file, from here on, are not listed: fix the ones above and validate again$/);
  });

  it('caps problems found before the values are read too (a fuzz found 1,000 unresolved tags listed)', () => {
    const list = problems(`name: t\n${ACTION}tags:\n${'  - !!null x\n'.repeat(1_000)}`);
    expect(list).toHaveLength(51);
    expect(list[50]).toMatch(/950 more problem\(s\) in this file/);
  });

  it('never echoes a whole bad value: strings are cut, messages are bounded', () => {
    const long = 'x'.repeat(200_000);
    const list = problems(`name: t\nactions:\n  - { type: CHAOS, system: mysql, fault: ${long}, duration: 5 }\n`);
    expect(list).toHaveLength(1);
    expect(list[0]!.length).toBeLessThan(700);
    expect(list[0]).toContain('(200000 characters)');
    expect(problems(`name: t\n${ACTION}zz: ${'y'.repeat(300_000)}\n`)).toEqual([
      's.yaml:1:1: the scenario has 300086 characters; at most 262144 (256 KiB) are accepted: split it into several scenarios',
    ]);
  });

  it('refuses FIFOs, devices and big files without blocking on them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-limits-'));
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    writeFileSync(join(dir, 'big.yaml'), `name: t\ndescription: ${'d'.repeat(INPUT_LIMITS.maxBytes)}\n`);
    const load = async (name: string) => {
      const result = await loadScenario(join(dir, name), { plugins });
      return result.ok ? [] : result.problems.map((p) => p.message);
    };
    expect(await load('fifo.yaml')).toEqual(['cannot read the scenario: is a FIFO (named pipe): only regular files are read']);
    expect(await load('zero.yaml')).toEqual(['cannot read the scenario: is a device: only regular files are read']);
    expect(await load('big.yaml')).toEqual([`cannot read the scenario: is 262166 bytes; at most 262144 bytes (256 KiB) are read: split it`]);
  });
});
