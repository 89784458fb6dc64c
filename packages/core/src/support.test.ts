import { describe, expect, it } from 'vitest';
import { ErrorCodes, PluginError, TesterError } from './errors';
import { HookDriver } from './hooks';
import { systemClock } from './clock';
import { Redactor } from './redact';
import { didYouMean, levenshtein } from './suggest';

describe('did you mean', () => {
  it('measures edits and proposes only plausible candidates', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(didYouMean('timout', ['name', 'timeout'])).toBe('timeout');
    expect(didYouMean('final-state', ['final_state'])).toBe('final_state');
    expect(didYouMean('zzzz', ['name', 'timeout'])).toBeUndefined();
  });
});

describe('Redactor', () => {
  it('replaces secrets in text and deep values, longest first, ignoring very short values', () => {
    const r = new Redactor();
    r.add('abc');
    r.add('token');
    r.add('token-long');
    expect(r.text('a token-long and a token, abc')).toBe('a *** and a ***, abc');
    expect(r.value({ a: ['token'], token: new Error('token!') })).toEqual({ a: ['***'], '***': { name: 'Error', message: '***!' } });
  });
});

describe('hook driver attribution', () => {
  it('wraps sync throws and async rejections as PLUGIN_ERROR, keeping the plugin code and redacting', async () => {
    const redactor = new Redactor();
    redactor.add('hunter22');
    const d = new HookDriver({ clock: systemClock(), redactor });
    let caught: unknown;
    try {
      d.sync('p', 'assertions.x.verdict', () => {
        throw new TesterError('MY_CODE', 'bad hunter22');
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PluginError);
    expect(caught).toMatchObject({ code: ErrorCodes.PLUGIN_ERROR, plugin: 'p', hook: 'assertions.x.verdict', pluginCode: 'MY_CODE', message: 'plugin "p" failed in assertions.x.verdict: bad ***' });
    expect(await d.call({ plugin: 'p', hook: 'actions.X.run', invoke: () => Promise.reject('plain string') })).toMatchObject({
      kind: 'error',
      error: { message: 'plugin "p" failed in actions.X.run: plain string' },
    });
    expect(await d.call({ plugin: 'p', hook: 'h', invoke: async () => 42 })).toEqual({ kind: 'value', value: 42 });
  });
});
