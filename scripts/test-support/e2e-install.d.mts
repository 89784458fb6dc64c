import type { ChildProcess } from 'node:child_process';

/** What the spawned CLI loads by default: the CLI, core and the built-in plugins. */
export declare const CLI_PACKAGES: readonly string[];

/** A spawned process's end. */
export interface NodeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved as they came. */
  output: string;
  stdout: string;
  stderr: string;
}

/** A spawned process: `done` resolves at its end; `output()` is what it has written so far. */
export interface NodeRun {
  child: ChildProcess;
  done: Promise<NodeResult>;
  output(): string;
}

/** Extra environment for the child; `undefined` removes a variable. */
export type ExtraEnv = Record<string, string | undefined>;

/** Runs `node <args>` in `cwd` with no colour and no CI summary. */
export declare function startNode(args: string[], cwd: string, env?: ExtraEnv): NodeRun;

export interface E2eInstallOptions {
  /**
   * Mark the install stale when packages/<pkg>/dist is older than its sources: {@link E2eInstall.bin} (so every CLI
   * run) then throws why, and tests that do not run the CLI still run.
   * @default false
   */
  fresh?: boolean;
}

export interface E2eInstall {
  /** The install folder (in the workers: the one the global setup made). */
  readonly dir: string;
  /** Why the install cannot be trusted, when `fresh` found the package's dist older than its sources. */
  readonly stale: string | undefined;
  /** The Vitest globalSetup: makes the install; returns its teardown. */
  setup(): () => void;
  /** The `tester` bin as npm would link it (the CLI's package.json `bin`); throws {@link E2eInstall.stale}. */
  bin(): string;
  /** A project folder inside the install, so `@tester/*` resolve by package name as in a user's project. */
  project(files: Record<string, string>): string;
  /** Starts `tester <args>` in `cwd`. */
  startCli(args: string[], cwd: string, env?: ExtraEnv): NodeRun;
  /** Runs `tester <args>` in `cwd` to its end. */
  runCli(args: string[], cwd: string, env?: ExtraEnv): Promise<NodeResult>;
}

/** The install for the end-to-end tests of packages/<pkg>: the CLI's packages and `pkg`, in packages/<pkg>/tmp. */
export declare function e2eInstall(pkg: string, options?: E2eInstallOptions): E2eInstall;
