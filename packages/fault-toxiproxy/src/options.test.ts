import { describe, expect, it } from 'vitest';
import { formatProblem, parseScenario, scenarioJsonSchema } from '@tester/core/runner';
import { toxiproxyPlugin } from './index';

describe('options', () => {
  it('defaults to the local Toxiproxy and refuses a non-loopback API unless allowed', () => {
    expect(toxiproxyPlugin().options).toMatchObject({ url: 'http://127.0.0.1:8474', allowNonLoopback: false, requestTimeout: 5000, endAttempts: 3 });
    expect(() => toxiproxyPlugin({ url: 'http://10.1.2.3:8474' })).toThrow(/10\.1\.2\.3:8474 is not a loopback address.*allowNonLoopback: true/);
    expect(toxiproxyPlugin({ url: 'http://toxiproxy.test:8474', allowNonLoopback: true }).options.url).toBe('http://toxiproxy.test:8474');
    expect(() => toxiproxyPlugin({ url: 'ftp://127.0.0.1', requestTimeout: 'soon' } as never)).toThrow(/config url: .*\n.*config requestTimeout/);
  });
});

describe('the TOXIC schema in a scenario', () => {
  const load = (action: string) =>
    parseScenario(`name: s\nactions:\n  - ${action}\n`, { file: 's.yaml', plugins: [toxiproxyPlugin()] });

  it('accepts the suggested YAML and infers the system', () => {
    const loaded = load('{ type: TOXIC, proxy: mariadb, toxic: latency, attributes: { latency: 300 }, duration: 5s, system: mysql }');
    expect(loaded.ok && loaded.scenario.systems).toEqual(['mysql']);
    expect(loaded.ok && loaded.scenario.actions[0]!.params).toMatchObject({ toxicity: 1, stream: 'downstream', duration: 5000, attributes: { latency: 300 } });
  });

  it('says which attributes a toxic takes, with the place', () => {
    const problems = (action: string) => {
      const loaded = load(action);
      return loaded.ok ? [] : loaded.problems.map(formatProblem);
    };
    expect(problems('{ type: TOXIC, proxy: p, toxic: latency, attributes: { rate: 3 }, duration: 1, system: s }')).toEqual([
      's.yaml:3:58 actions[0].attributes.latency: a latency toxic needs latency',
      's.yaml:3:66 actions[0].attributes.rate: a latency toxic takes latency, jitter, not rate',
    ]);
    expect(problems('{ type: TOXIC, proxy: p, toxic: latency, attributes: { latncy: 3 }, duration: 1, system: s }').join('\n')).toMatch(/latncy/);
    expect(problems('{ type: TOXIC, proxy: p, toxic: lag, duration: 1, system: s }').join('\n')).toMatch(/toxic/);
    expect(problems('{ type: TOXIC, proxy: p, toxic: bandwidth, attributes: { rate: 1 }, toxicity: 2, stream: up, duration: 1, system: s }').join('\n')).toMatch(/toxicity[\s\S]*stream/);
    expect(problems('{ type: PROXY_DOWN, proxy: p, duration: 1 }').join('\n')).toMatch(/system/);
  });
});

describe('JSON Schema', () => {
  it('is generated for editors from the same schemas', () => {
    const text = JSON.stringify(scenarioJsonSchema([toxiproxyPlugin()]));
    for (const word of ['TOXIC', 'PROXY_DOWN', 'slow_close', 'average_size', 'toxicity']) expect(text).toContain(word);
  });
});
