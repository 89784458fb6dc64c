import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { invertComparator, mutants, tightenComparator, type Mutant } from './operators';

/** A scenario around one expectations section (the lines above `expectations:` are the same in every test). */
const scenario = (section: string, items: string) => `name: s
# a comment that must survive
actions:
  - type: CHAOS
    system: db
    fault: CONNECTION_LOSS
    duration: 3
expectations:
  ${section}:
${items}`;

/** The one line (or lines) that differ between the original and a mutant: `-old` / `+new`. */
function diff(original: string, mutated: string): string[] {
  const a = original.split('\n');
  const b = mutated.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  return [...a.slice(start, endA + 1).map((l) => `-${l.trim()}`), ...b.slice(start, endB + 1).map((l) => `+${l.trim()}`)];
}

const byOperator = (ms: Mutant[]) => Object.fromEntries(ms.map((m) => [m.operator, m]));

describe('mutants: states', () => {
  const text = scenario(
    'states',
    `    - system: db
      final_state: CONNECTED
    - system: db
      sources: [api, kafka]
      sequence: [CONNECTED, DISCONNECTED, CONNECTED]
      illegal_states: [DEGRADED]
      max_duration: { DISCONNECTED: 10s }
    - system: db
      within: { state: CONNECTED, after: fault_end, max: 5s }
    - system: db
      sequence: [CONNECTED, DEGRADED]
`,
  );
  const ms = mutants(text);
  const m = byOperator(ms);

  it('final_state -> each other state, transitional ones included', () => {
    expect(ms.filter((x) => x.expectation === 'states[0]').map((x) => x.operator)).toEqual(['final_state->DEGRADED', 'final_state->DISCONNECTED', 'final_state->RECOVERING']);
    expect(diff(text, m['final_state->RECOVERING']!.yaml)).toEqual(['-final_state: CONNECTED', '+final_state: RECOVERING']);
  });

  it('one mutant per key of a multi-key item, the other keys unchanged', () => {
    expect(ms.filter((x) => x.expectation === 'states[1]').map((x) => x.operator)).toEqual(['sequence-rotated', 'illegal_states+DISCONNECTED', 'max_duration.DISCONNECTED->1ms']);
    expect(diff(text, m['illegal_states+DISCONNECTED']!.yaml)).toEqual(['-illegal_states: [DEGRADED]', '+illegal_states: [DEGRADED, DISCONNECTED]']);
    expect(diff(text, m['max_duration.DISCONNECTED->1ms']!.yaml)).toEqual(['-max_duration: { DISCONNECTED: 10s }', '+max_duration: { DISCONNECTED: 1ms }']);
  });

  it('a palindromic sequence is rotated (its reversal is itself); another is reversed', () => {
    expect(diff(text, m['sequence-rotated']!.yaml)).toEqual(['-sequence: [CONNECTED, DISCONNECTED, CONNECTED]', '+sequence: [DISCONNECTED, CONNECTED, CONNECTED]']);
    expect(diff(text, m['sequence-reversed']!.yaml)).toEqual(['-sequence: [CONNECTED, DEGRADED]', '+sequence: [DEGRADED, CONNECTED]']);
    expect(m['sequence-reversed']!.expectation).toBe('states[3]');
  });

  it('within.max -> 1ms', () => {
    expect(diff(text, m['within.max->1ms']!.yaml)).toEqual(['-within: { state: CONNECTED, after: fault_end, max: 5s }', '+within: { state: CONNECTED, after: fault_end, max: 1ms }']);
  });

  it('counts, ids and descriptions', () => {
    expect(ms).toHaveLength(8);
    expect(m['final_state->DEGRADED']).toMatchObject({ id: 's/states[0]/final_state->DEGRADED', expectation: 'states[0]', description: 'states[0]: final_state CONNECTED -> DEGRADED' });
    // Everything but the mutated line is the original text, comments included.
    for (const x of ms) expect(x.yaml).toContain('# a comment that must survive');
  });

  it('illegal_states without a sequence makes the final state illegal (a system that stays in it entered it)', () => {
    const t = scenario('states', '    - system: db\n      illegal_states: [DISCONNECTED, RECOVERING]\n      final_state: CONNECTED\n');
    const x = byOperator(mutants(t))['illegal_states+CONNECTED']!;
    expect(diff(t, x.yaml)).toEqual(['-illegal_states: [DISCONNECTED, RECOVERING]', '+illegal_states: [DISCONNECTED, RECOVERING, CONNECTED]']);
  });

  it('a block-style illegal_states gets a new item line', () => {
    const t = scenario('states', '    - system: db\n      sequence: [CONNECTED, DEGRADED, CONNECTED]\n      illegal_states:\n        - DISCONNECTED\n');
    const x = byOperator(mutants(t))['illegal_states+DEGRADED']!;
    expect(diff(t, x.yaml)).toEqual(['+- DEGRADED']);
    expect(parse(x.yaml).expectations.states[0].illegal_states).toEqual(['DISCONNECTED', 'DEGRADED']);
  });
});

describe('mutants: events', () => {
  const text = scenario(
    'events',
    `    - type: CONNECTION_LOST
      system: db
      count: 1
    - type: CONNECTION_LOST
      absent: true
    - type: STATE_CHANGED
      where: { payload.to: DISCONNECTED }
      min_count: 1
      within: 2s
    - system: db
      order: [CONNECTION_LOST, CONNECTION_RESTORED]
    - system: db
      no_duplicates: true
    - no_duplicates: { by: [system] }
    - type: X
      exists: true
    - type: Y
      count: 0
`,
  );
  const ms = mutants(text);
  const m = byOperator(ms);
  const of = (expectation: string) => ms.filter((x) => x.expectation === expectation);

  it('count n -> n+1 and n-1, and no n-1 below 0', () => {
    expect(of('events[0]').map((x) => x.operator)).toEqual(['count+1', 'count-1']);
    expect(diff(text, of('events[0]')[0]!.yaml)).toEqual(['-count: 1', '+count: 2']);
    expect(diff(text, of('events[0]')[1]!.yaml)).toEqual(['-count: 1', '+count: 0']);
    expect(of('events[7]').map((x) => x.operator)).toEqual(['count+1']);
  });

  it('absent: true -> min_count: 1 and -> exists: true', () => {
    expect(of('events[1]').map((x) => x.operator)).toEqual(['absent->min_count:1', 'absent->exists:true']);
    expect(diff(text, m['absent->min_count:1']!.yaml)).toEqual(['-absent: true', '+min_count: 1']);
    expect(diff(text, m['absent->exists:true']!.yaml)).toEqual(['-absent: true', '+exists: true']);
  });

  it('min_count -> absent: true; within -> 1ms', () => {
    expect(of('events[2]').map((x) => x.operator)).toEqual(['min_count->absent', 'within->1ms']);
    expect(diff(text, m['min_count->absent']!.yaml)).toEqual(['-min_count: 1', '+absent: true']);
    expect(diff(text, m['within->1ms']!.yaml)).toEqual(['-within: 2s', '+within: 1ms']);
  });

  it('order reversed', () => {
    expect(diff(text, m['order-reversed']!.yaml)).toEqual(['-order: [CONNECTION_LOST, CONNECTION_RESTORED]', '+order: [CONNECTION_RESTORED, CONNECTION_LOST]']);
  });

  it('no_duplicates -> by system, or by type when it already was by system', () => {
    expect(diff(text, of('events[4]')[0]!.yaml)).toEqual(['-no_duplicates: true', '+no_duplicates: { by: [system] }']);
    expect(diff(text, of('events[5]')[0]!.yaml)).toEqual(['-- no_duplicates: { by: [system] }', '+- no_duplicates: { by: [type] }']);
  });

  it('exists flipped', () => {
    expect(diff(text, m['exists->false']!.yaml)).toEqual(['-exists: true', '+exists: false']);
  });

  it('counts', () => {
    expect(ms).toHaveLength(11);
  });
});

describe('mutants: policies', () => {
  const text = scenario(
    'policies',
    `    - policy_id: auto-recover
      system: db
      should_fire: true
      times: 1
      outcome: SUCCEEDED
      max_attempts: 10
      within: { after: fault_start, max: 3s }
      # only after the loss
      after: { event: CONNECTION_LOST }
    - policy_id: failover
      should_fire: false
`,
  );
  const ms = mutants(text);
  const m = byOperator(ms);

  it('one mutant per key, in the item order', () => {
    expect(ms.map((x) => `${x.expectation} ${x.operator}`)).toEqual([
      'policies[0] should_fire->false',
      'policies[0] times+1',
      'policies[0] times-1',
      'policies[0] outcome->FAILED',
      'policies[0] max_attempts->1',
      'policies[0] within.max->1ms',
      'policies[0] after.event->CONNECTION_RESTORED',
      'policies[1] should_fire->true',
    ]);
  });

  it('should_fire: true -> false drops the keys the schema forbids beside it, and keeps times', () => {
    const x = m['should_fire->false']!;
    expect(parse(x.yaml).expectations.policies[0]).toEqual({ policy_id: 'auto-recover', system: 'db', should_fire: false, times: 1 });
    expect(diff(text, x.yaml)).toEqual([
      '-should_fire: true',
      '-times: 1',
      '-outcome: SUCCEEDED',
      '-max_attempts: 10',
      '-within: { after: fault_start, max: 3s }',
      '-# only after the loss',
      '-after: { event: CONNECTION_LOST }',
      '+should_fire: false',
      '+times: 1',
      '+# only after the loss',
    ]);
    expect(diff(text, m['should_fire->true']!.yaml)).toEqual(['-should_fire: false', '+should_fire: true']);
  });

  it('times, outcome, max_attempts, within, after', () => {
    expect(diff(text, m['times-1']!.yaml)).toEqual(['-times: 1', '+times: 0']);
    expect(diff(text, m['outcome->FAILED']!.yaml)).toEqual(['-outcome: SUCCEEDED', '+outcome: FAILED']);
    expect(diff(text, m['max_attempts->1']!.yaml)).toEqual(['-max_attempts: 10', '+max_attempts: 1']);
    expect(diff(text, m['within.max->1ms']!.yaml)).toEqual(['-within: { after: fault_start, max: 3s }', '+within: { after: fault_start, max: 1ms }']);
    expect(diff(text, m['after.event->CONNECTION_RESTORED']!.yaml)).toEqual(['-after: { event: CONNECTION_LOST }', '+after: { event: CONNECTION_RESTORED }']);
  });

  it('should_fire as the first key of an item: the next key moves up', () => {
    const t = scenario('policies', '    - should_fire: true\n      policy_id: p\n      outcome: SUCCEEDED\n');
    const x = byOperator(mutants(t))['should_fire->false']!;
    expect(parse(x.yaml).expectations.policies[0]).toEqual({ should_fire: false, policy_id: 'p' });
  });
});

describe('mutants: metrics', () => {
  it('every comparator inverted, in either form, keeping the quotes', () => {
    const text = scenario(
      'metrics',
      ['>= 1', '< 1s', '<= 10', '> 2', '== 0', '!= 1']
        .map((v) => `    - name: m\n      value: "${v}"\n`)
        .join('') + `    - name: m\n      value: { "<": 0.25 }\n    - name: m\n      value: between 0 and 5\n`,
    );
    const ms = mutants(text).filter((x) => x.operator === 'value-inverted');
    expect(ms).toHaveLength(7);
    expect(ms.map((x) => diff(text, x.yaml)[1])).toEqual([
      '+value: "< 1"',
      '+value: ">= 1s"',
      '+value: "> 10"',
      '+value: "<= 2"',
      '+value: "!= 0"',
      '+value: "== 1"',
      '+value: { ">=": 0.25 }',
    ]);
  });

  it('one-sided bounds 1000 times stricter (value-tightened); == != between and zero are left alone', () => {
    const text = scenario('metrics', ['>= 1', '< 250ms', '<= 10', '> 2', '== 0', '!= 1', '<= 0', 'between 0 and 5'].map((v) => `    - name: m\n      value: "${v}"\n`).join(''));
    const ms = mutants(text).filter((x) => x.operator === 'value-tightened');
    expect(ms.map((x) => diff(text, x.yaml)[1])).toEqual(['+value: ">= 1000"', '+value: "< 0.25ms"', '+value: "<= 0.01"', '+value: "> 2000"']);
    expect(tightenComparator('<= baseline * 1.5')).toBeUndefined();
  });

  it('invertComparator', () => {
    expect(invertComparator('< 250ms')).toBe('>= 250ms');
    expect(invertComparator('<= baseline * 1.5')).toBe('> baseline * 1.5');
    expect(invertComparator('between 1 and 2')).toBeUndefined();
  });
});

describe('mutants: timing', () => {
  const text = scenario('timing', '    - time_to_detect: { max: 2s }\n    - time_to_recover: 5s\n    - time_to_recover: { min: 1s, max: 10s }\n');
  const ms = mutants(text);

  it('max -> min of the same bound, and max -> 1ms', () => {
    expect(ms.map((x) => `${x.expectation} ${x.operator}: ${diff(text, x.yaml)[1]}`)).toEqual([
      'timing[0] time_to_detect.max->min: +- time_to_detect: { min: 2s }',
      'timing[0] time_to_detect.max->1ms: +- time_to_detect: { max: 1ms }',
      'timing[1] time_to_recover.max->min: +- time_to_recover: { min: 5s }',
      'timing[1] time_to_recover.max->1ms: +- time_to_recover: { max: 1ms }',
      'timing[2] time_to_recover.max->min: +- time_to_recover: { min: 10s }',
      'timing[2] time_to_recover.max->1ms: +- time_to_recover: { min: 1s, max: 1ms }',
    ]);
  });
});

describe('mutants of the seed scenarios', () => {
  const seeds = join(__dirname, '..', '..', '..', '..', 'scenarios');
  for (const file of ['mysql_failure', 'chaos_latency_injection', 'policy_evaluation', 'reconciliation_loop']) {
    it(`${file}: every mutant is valid YAML, unique, and differs from the scenario in its one expectation`, () => {
      const text = readFileSync(join(seeds, `${file}.yaml`), 'utf8');
      const ms = mutants(text);
      expect(ms.length).toBeGreaterThan(10);
      expect(new Set(ms.map((x) => x.id)).size).toBe(ms.length);
      const original = parse(text) as { expectations: Record<string, unknown[]> };
      for (const x of ms) {
        const mutated = parse(x.yaml) as { expectations: Record<string, unknown[]> };
        const [, section, index] = /^(\w+)\[(\d+)\]$/.exec(x.expectation)!;
        expect(mutated.expectations[section!]![Number(index)], x.id).not.toEqual(original.expectations[section!]![Number(index)]);
        // Everything else is the same.
        mutated.expectations[section!]![Number(index)] = original.expectations[section!]![Number(index)];
        expect(mutated, x.id).toEqual(original);
      }
    });
  }
});
