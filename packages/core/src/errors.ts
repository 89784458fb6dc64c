/**
 * Errors of `@tester/core`. Every error the tester raises on purpose is a {@link TesterError} with a stable
 * `code`, so callers branch on codes, never on messages. Messages give the place, the problem and the fix.
 */

/** The stable error codes used across the tester's packages. */
export const ErrorCodes = {
  /** A scenario file is invalid (YAML, schema, CEL). Carries `problems`. */
  SCENARIO_INVALID: 'SCENARIO_INVALID',
  /** The config file is invalid. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** Plugin code threw. Carries `plugin`, `hook` and the plugin's own `pluginCode`. */
  PLUGIN_ERROR: 'PLUGIN_ERROR',
  /** A plugin targets another plugin-API version than this core implements. */
  PLUGIN_API_MISMATCH: 'PLUGIN_API_MISMATCH',
  /** A plugin named in the config (or an action type / expectation section) has no provider. */
  PLUGIN_NOT_FOUND: 'PLUGIN_NOT_FOUND',
  /** An observer cannot see its source. */
  OBSERVER_BLIND: 'OBSERVER_BLIND',
  /** An observer did not become ready before the deadline. */
  OBSERVER_NOT_READY: 'OBSERVER_NOT_READY',
  /** A precondition evaluated to something other than `true`. */
  PRECONDITION_NOT_MET: 'PRECONDITION_NOT_MET',
  /** An action could not do what it was asked. */
  ACTION_FAILED: 'ACTION_FAILED',
  /** A rollback failed or did not finish before its deadline. */
  ROLLBACK_FAILED: 'ROLLBACK_FAILED',
  /** A deadline passed. */
  TIMEOUT: 'TIMEOUT',
  /** The run was aborted through its `AbortSignal` (SIGINT/SIGTERM in the CLI). */
  ABORTED: 'ABORTED',
  /** A scenario names something the system under test does not have (a system, a policy, a metric). */
  UNKNOWN_REFERENCE: 'UNKNOWN_REFERENCE',
  /** A recorded run cannot be re-judged as asked (no replay record, dropped observations, changed actions). */
  REPLAY_UNSUPPORTED: 'REPLAY_UNSUPPORTED',
} as const;

/** One of {@link ErrorCodes}, or a plugin's own code. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

/** Options of {@link TesterError}. */
export interface TesterErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** Extra context (file, plugin, hook, system, ...), copied onto the error as own fields. */
  context?: Record<string, unknown>;
}

/**
 * The base of every error the tester raises on purpose.
 *
 * @example
 * throw new TesterError('ACTION_FAILED', 'POST /api/v1/chaos answered 500: ...', { cause: error });
 */
export class TesterError extends Error {
  override name = 'TesterError';
  /** Stable, machine-readable code (see {@link ErrorCodes}). */
  readonly code: ErrorCode;
  /** Context fields given at construction (`plugin`, `hook`, `file`, ...). */
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TesterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
  }

  /** A plain, JSON-friendly form for reports (no stack). */
  toJSON(): { name: string; code: string; message: string; context: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** An error thrown by plugin code, wrapped and attributed by the runtime's hook driver. */
export class PluginError extends TesterError {
  override name = 'PluginError';
  /** The plugin's name. */
  readonly plugin: string;
  /** The hook that threw: `observers.api.start`, `actions.CHAOS.run`, `assertions.events.verdict`, ... */
  readonly hook: string;
  /** The plugin's own error code, when its error had one. */
  readonly pluginCode: string | undefined;

  constructor(plugin: string, hook: string, cause: unknown) {
    const inner = errorMessage(cause);
    const pluginCode = codeOf(cause);
    super(ErrorCodes.PLUGIN_ERROR, `plugin "${plugin}" failed in ${hook}: ${inner}`, {
      cause,
      context: { plugin, hook, ...(pluginCode ? { pluginCode } : {}) },
    });
    this.plugin = plugin;
    this.hook = hook;
    this.pluginCode = pluginCode;
  }
}

/** Thrown when a plugin targets another plugin-API version. */
export class PluginApiMismatchError extends TesterError {
  override name = 'PluginApiMismatchError';
  constructor(plugin: string, found: unknown, expected: number) {
    super(
      ErrorCodes.PLUGIN_API_MISMATCH,
      `plugin "${plugin}" targets plugin API version ${JSON.stringify(found)}, but this @tester/core implements version ${expected}: ` +
        `upgrade the plugin (or @tester/core) so both use version ${expected}`,
      { context: { plugin, found, expected } },
    );
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function codeOf(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** `true` when `error` is a {@link TesterError} (optionally with this code). */
export function isTesterError(error: unknown, code?: ErrorCode): error is TesterError {
  return error instanceof TesterError && (code === undefined || error.code === code);
}
