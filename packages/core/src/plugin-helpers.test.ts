/** The helpers core gives plugins so that a rule has one implementation: options, HTTP guards, PromQL keys, references. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durationAtLeast } from './duration';
import { onFirstUse } from './first-use';
import { assertAllowedUrl, describeNetworkError, httpAuthSchema, httpAuthorization, isAllowedUrl, isLoopbackHost } from './http-guards';
import { describeIssues, parsePluginOptions } from './plugin-options';
import { formatLabels, promqlSelector, seriesKey } from './promql';
import { excerpt, Redactor } from './redact';
import { formatRef } from './ref-format';

const thrown = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  return expect.unreachable('it did not throw');
};

const schema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8080' }).default('http://127.0.0.1:8080'),
  mode: z.enum(['fast', 'slow']).default('fast'),
  poll: z.strictObject({ interval: durationAtLeast(10).prefault('1s') }).prefault({}),
  resources: z.array(z.strictObject({ name: z.string().regex(/^[a-z]+$/), get: z.string().min(1) })).default([]),
  auth: httpAuthSchema({ tokenEnv: 'T_TOKEN', passwordEnv: 'T_PASSWORD' }).optional(),
  query: z
    .union([z.string().min(1), z.strictObject({ query: z.string(), range: z.boolean().default(false) })], { error: 'expected a query, or { query, range? }' })
    .optional(),
});
const source = { plugin: 'tester-plugin-x', block: 'x' };

describe('parsePluginOptions', () => {
  it('parses once: defaults applied, durations in ms', () => {
    expect(parsePluginOptions(schema, undefined, source)).toMatchObject({ baseUrl: 'http://127.0.0.1:8080', mode: 'fast', poll: { interval: 1000 } });
    expect(parsePluginOptions(schema, { poll: { interval: 2 } }, source).poll.interval).toBe(2000);
  });

  it('one line per problem: the place as the config file spells it, did-you-mean, the accepted keys, then the fix', () => {
    const error = thrown(() =>
      parsePluginOptions(schema, { pol: {}, mode: 'slo', poll: { interval: 0 }, resources: [{ name: 'ok', get: '/a' }, { name: 'Bad', get: '' }] }, source),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    const lines = error.message.split('\n');
    expect(lines).toContain('tester-plugin-x config mode: expected one of fast, slow, got string "slo"; did you mean "slow"?');
    expect(lines).toContain('tester-plugin-x config pol: unknown key "pol"; did you mean "poll"? (accepted keys: baseUrl, mode, poll, resources, auth, query)');
    expect(lines).toContain('tester-plugin-x config poll.interval: expected a duration of at least 10ms, got number 0');
    expect(lines).toContain('tester-plugin-x config resources[1].name: expected a string matching /^[a-z]+$/, got string "Bad"');
    expect(lines).toContain('tester-plugin-x config resources[1].get: expected a non-empty string');
    expect(lines.at(-1)).toBe('Fix the plugin options or the x block of the config file.');
    expect(thrown(() => parsePluginOptions(schema, 'x', { plugin: 'p' })).message).toBe('p config: expected a mapping, got string "x"\nFix the plugin options or its block of the config file.');
  });

  it("keeps the schema author's own message, and a union's when no branch fits better", () => {
    expect(thrown(() => parsePluginOptions(schema, { baseUrl: 'ftp://x' }, source)).message).toMatch(/^tester-plugin-x config baseUrl: expected an http\(s\) URL such as http:\/\/127\.0\.0\.1:8080\n/);
    expect(thrown(() => parsePluginOptions(schema, { query: 42 }, source)).message).toMatch(/^tester-plugin-x config query: expected a query, or \{ query, range\? \}\n/);
    // Inside the branch that fits, its own problem: the unknown key, at its place.
    expect(thrown(() => parsePluginOptions(schema, { query: { query: 'up', rnage: true } }, source)).message).toMatch(/^tester-plugin-x config query\.rnage: unknown key "rnage"\n/);
  });

  it('never echoes a value that may be a secret', () => {
    const message = thrown(() => parsePluginOptions(schema, { auth: { type: 'bearer', token: 'hunter2-secret', tokn: 1 }, baseUrl: 'ftp://u:pa55word@x' }, source)).message;
    expect(message).toMatch(/auth\.tokn: unknown key "tokn"/);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('pa55word');
    const [problem] = describeIssues(z.strictObject({ url: z.url() }).safeParse({ url: 'gopher://me:pa55word@host x' }).error!.issues, z.strictObject({ url: z.url() }), { url: 'gopher://me:pa55word@host x' });
    expect(problem!.text).toMatch(/^url: expected a valid url, got string "gopher:\/\/me:\*\*\*@host x"$/);
    const long = z.strictObject({ password: z.string().min(20) });
    expect(describeIssues(long.safeParse({ password: 'short-secret' }).error!.issues, long, { password: 'short-secret' })[0]!.text).toBe(
      'password: expected at least 20 characters, got string "***"',
    );
  });

  it('a message that names its own place is not prefixed twice', () => {
    const placed = z.strictObject({ q: z.string().superRefine((_, ctx) => ctx.addIssue({ code: 'custom', message: 'x.q: the query does not compile' })) });
    expect(describeIssues(placed.safeParse({ q: 'a' }).error!.issues, placed, { q: 'a' })[0]!.text).toBe('x.q: the query does not compile');
  });
});

describe('HTTP guards', () => {
  it('loopback is 127.0.0.0/8, localhost and ::1; anything else only when allowed by name', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', 'LOCALHOST', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['10.0.0.1', '128.0.0.1', 'localhost.example.com', '::2', '[::2]', '1270.0.0.1', '127.0.0.1.example.com']) expect(isLoopbackHost(host)).toBe(false);
    expect(isAllowedUrl('http://[::1]:9090/x')).toBe(true);
    expect(isAllowedUrl('https://cp.internal/x', ['cp.internal'])).toBe(true);
    expect(isAllowedUrl('https://cp.internal/x')).toBe(false);
    expect(isAllowedUrl('ftp://127.0.0.1/x')).toBe(false);
    expect(isAllowedUrl('not a url')).toBe(false);
  });

  it('refuses a host or a protocol with the place and the fix', () => {
    expect(thrown(() => assertAllowedUrl('http://10.1.2.3:8080', [], 'p config baseUrl', 'the control plane'))).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'p config baseUrl: host "10.1.2.3" is not a loopback address; add it to allowedHosts if the control plane really lives there.',
    });
    expect(thrown(() => assertAllowedUrl(new URL('file:///etc/passwd'), [], 'p', 'it')).message).toBe('p: file: is not supported; use http: or https:.');
    expect(() => assertAllowedUrl('http://127.0.0.1:1', [], 'p', 'it')).not.toThrow();
  });

  it('a request without an answer reads as its code and message, the code said once', () => {
    const refused = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(describeNetworkError(refused)).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(describeNetworkError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe('UND_ERR_SOCKET other side closed');
    expect(describeNetworkError('boom')).toBe('boom');
  });

  it('auth: the header from the config or the environment, every secret in the redactor', () => {
    const auth = httpAuthSchema({ tokenEnv: 'T_TOKEN', passwordEnv: 'T_PASSWORD' });
    const redactor = new Redactor();
    expect(httpAuthorization(auth.parse({ type: 'bearer' }), { where: 'p config', redactor, env: { T_TOKEN: 'tok-from-env' } })).toBe('Bearer tok-from-env');
    const basic = httpAuthorization(auth.parse({ type: 'basic', username: 'u', password: 'pw-1234' }), { where: 'p config', redactor, env: {} });
    expect(basic).toBe(`Basic ${Buffer.from('u:pw-1234').toString('base64')}`);
    expect(redactor.list()).toEqual(expect.arrayContaining(['tok-from-env', 'pw-1234', Buffer.from('u:pw-1234').toString('base64')]));
    expect(httpAuthorization(undefined, { where: 'p config', redactor })).toBeUndefined();
    expect(thrown(() => httpAuthorization(auth.parse({ type: 'bearer' }), { where: 'p config', redactor, env: {} })).message).toBe(
      'p config auth.token: bearer auth is configured but neither auth.token nor $T_TOKEN is set; set one of them.',
    );
  });
});

describe('PromQL keys and references', () => {
  it('one selector for a name and labels: keys sorted, values escaped', () => {
    expect(promqlSelector('cp_system_state', { system: 'mysql-4', state: 'DIS"C\\\n' })).toBe('cp_system_state{state="DIS\\"C\\\\\\n",system="mysql-4"}');
    expect(promqlSelector('up')).toBe('up');
    expect(promqlSelector('up', undefined)).toBe('up');
  });

  it('one series key: the same labels in any order are the same series', () => {
    expect(seriesKey({ b: '2', a: '1' })).toBe(seriesKey({ a: '1', b: '2' }));
    expect(seriesKey({ a: '1' })).not.toBe(seriesKey({ a: '2' }));
    expect(seriesKey(undefined)).toBe('[]');
    expect(formatLabels({ a: '1', b: '2' })).toBe('{a="1",b="2"}');
    expect(formatLabels({})).toBe('');
  });

  it('an excerpt is redacted first, then cut', () => {
    const redactor = new Redactor();
    redactor.add('s3cret-token');
    expect(excerpt('{"token":"s3cret-token","x":1}', 14, redactor)).toBe('{"token":"***"…');
    expect(excerpt('short', 10)).toBe('short');
    expect(excerpt('abcdef', 3)).toBe('abc…');
  });

  it('renders every kind of reference', () => {
    expect(formatRef({ type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/api/v1/systems', status: 200 })).toBe('GET http://127.0.0.1:8080/api/v1/systems -> 200');
    expect(formatRef({ type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/x' })).toBe('GET http://127.0.0.1:8080/x');
    expect(formatRef({ type: 'kafka', topic: 'control-plane.events', partition: 0, offset: '14' })).toBe('control-plane.events[0]@14');
    expect(formatRef({ type: 'promql', url: 'http://127.0.0.1:9090', query: 'up', labels: { job: 'cp' }, value: 1, timestamp: 0 })).toBe('up{job="cp"} = 1');
    expect(formatRef({ type: 'scrape', url: 'http://127.0.0.1:8080/metrics', metric: 'cp_up', labels: {}, value: 0, timestamp: 0 })).toBe('cp_up = 0');
    expect(formatRef({ type: 'runtime', detail: 'fault started' })).toBe('fault started');
    expect(formatRef({ type: 'custom', summary: 'db is UP' })).toBe('db is UP');
  });
});

describe('onFirstUse', () => {
  it('loads once, on the first call, and gives every caller the same promise', async () => {
    let loads = 0;
    const load = onFirstUse(async () => ({ n: ++loads }));
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(await load()).toBe(a);
    expect(loads).toBe(1);
  });
});
