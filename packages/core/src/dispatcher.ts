/**
 * The one place every call into plugin code goes through. A throw (or a rejected promise) is wrapped as a
 * {@link PluginError} (`PLUGIN_ERROR`, with `plugin`, `hook` and the plugin's own code) and redacted, so a broken
 * plugin fails its scenario with an attributed error instead of crashing the run.
 */
import { PluginError, TesterError, ErrorCodes } from './errors';
import type { Redactor } from './redact';

/** Calls plugin hooks with attribution. */
export interface Dispatcher {
  /** Calls a synchronous hook. */
  sync<T>(plugin: string, hook: string, fn: () => T): T;
  /** Calls a hook that may return a promise; both a throw and a rejection become a {@link PluginError}. */
  async<T>(plugin: string, hook: string, fn: () => T | Promise<T>): Promise<T>;
}

/** Creates the dispatcher of one run. */
export function createDispatcher(redactor?: Redactor): Dispatcher {
  const wrap = (plugin: string, hook: string, error: unknown): TesterError => {
    // An abort is the runtime's own doing, not the plugin's fault: pass it through unchanged.
    if (error instanceof TesterError && (error.code === ErrorCodes.ABORTED || error instanceof PluginError)) return error;
    const wrapped = new PluginError(plugin, hook, error);
    if (redactor?.active) Object.defineProperty(wrapped, 'message', { value: redactor.text(wrapped.message) });
    return wrapped;
  };
  return {
    sync(plugin, hook, fn) {
      try {
        return fn();
      } catch (error) {
        throw wrap(plugin, hook, error);
      }
    },
    async async(plugin, hook, fn) {
      try {
        return await fn();
      } catch (error) {
        throw wrap(plugin, hook, error);
      }
    },
  };
}
