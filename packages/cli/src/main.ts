// This module loads commander and nothing heavy: every command's module (and with it core, zod, yaml and the
// plugins) is imported only when that command runs. test/architecture.test.ts checks it.
import { Command, CommanderError, Option } from 'commander';
import type { BuiltinFlag } from './config/bindings-read';
import { EXIT, isCannotStart, messageOf } from './exit-codes';
import { processIo, type Io } from './io';
import { cliVersion } from './version';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The options every command that loads scenarios shares. */
function withConfig(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file (default: tester.config.{yaml,yml,json,mjs,ts} found walking up from the working directory; env TESTER_CONFIG)')
    .option('--var <name=value>', 'set a scenario variable (repeatable)', collect);
}

/**
 * The flags plugins bind (`--control-plane-url`, declared in the built-ins' package.json). A configured third-party
 * plugin's flags are known only once the config is read: commander leaves them over, and settings match them
 * against the plugins' bindings then (an unknown one is still refused).
 */
function withPluginFlags(cmd: Command, pluginFlags: readonly BuiltinFlag[]): Command {
  for (const f of pluginFlags) cmd.option(`${f.flag} <${f.valueName}>`, `${f.description}${f.env ? ` (env ${f.env})` : ''}`);
  return cmd.allowUnknownOption().allowExcessArguments();
}

/**
 * Hands what plugins bind to the command as `pluginFlags: [flag, value][]`: the built-ins' flags commander parsed,
 * and every `--flag value` (or `--flag=value`) it left over. What is left beside them are the command's operands.
 * `knownFlags` (the command's own) let settings suggest one for a misspelt flag, as commander did.
 */
function collectPluginFlags(command: Command, params: unknown[], pluginFlags: readonly BuiltinFlag[]): unknown[] {
  const opts = { ...(params.at(-1) as Record<string, unknown>) };
  const pairs: [string, string?][] = [];
  for (const option of command.options) {
    if (!option.long || !pluginFlags.some((f) => f.flag === option.long)) continue;
    const value = opts[option.attributeName()];
    if (value !== undefined) pairs.push([option.long, String(value)]);
    delete opts[option.attributeName()];
  }
  const operands: string[] = [];
  const args = command.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    if (arg.length < 2 || !arg.startsWith('-')) operands.push(arg);
    else if (arg.startsWith('--') && eq > 2) pairs.push([arg.slice(0, eq), arg.slice(eq + 1)]);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('-')) pairs.push([arg, args[++i]!]);
    else pairs.push([arg]);
  }
  // Commands that take plugin flags have no positional argument, or one variadic (mutate's paths).
  if (command.registeredArguments.length === 0 && operands.length > 0) {
    command.error(`error: too many arguments for '${command.name()}'. Expected 0 arguments but got ${operands.length}.`, { code: 'commander.excessArguments' });
  }
  const knownFlags = command.options.flatMap((o) => (o.long ? [o.long] : []));
  return [...(command.registeredArguments.length === 0 ? [] : [operands]), { ...opts, pluginFlags: pairs, knownFlags }];
}

/** The options of the commands that run scenarios (`run`, `ci`). */
function withRunOptions(cmd: Command, pluginFlags: readonly BuiltinFlag[]): Command {
  const withFlags = withConfig(cmd)
    .option('-r, --reporter <name[=file]>', 'reporter: console, json, junit, html, github; name=file writes to a file (repeatable; env TESTER_REPORTER=a,b)', collect)
    .option('--concurrency <n>', 'scenarios run at once; two that touch the same system never overlap (default 1; env TESTER_CONCURRENCY)')
    .option('--shard <i/n>', 'run only shard i of n (deterministic over the sorted scenario files)')
    .option('--grep <regex>', 'only scenarios whose name or file matches')
    .option('--tag <tag>', 'only scenarios with this tag (repeatable, or comma separated: any of them)', collect)
    .option('--timeout <duration>', "override every scenario's timeout (90, 90s, 2m; env TESTER_TIMEOUT)")
    .option('--repeat <n>', 'run each scenario n times; differing verdicts are reported as flaky (default 1)')
    .option('--fail-fast', 'stop scheduling after the first scenario that does not pass; running ones finish their rollbacks');
  return withPluginFlags(withFlags, pluginFlags).option('--ledger <file>', 'fault ledger file (default .tester/ledger.json beside the config; env TESTER_LEDGER)');
}

/** One command's usage and flags, for the top-level help. */
function commandReference(cmd: Command): string {
  const width = Math.max(...cmd.options.map((o) => o.flags.length));
  const lines = cmd.options.map((o) => `    ${o.flags.padEnd(width)}  ${o.description}`);
  return `tester ${cmd.name()} ${cmd.usage()}\n  ${cmd.description()}\n${lines.join('\n')}\n`;
}

/**
 * Builds the `tester` program. Command handlers are imported lazily so `tester --version` loads nothing heavy.
 * `pluginFlags`: the flags the built-in plugins bind, which `main` reads from their package.json files.
 */
export function createProgram(io: Io = processIo(), setCode: (code: number) => void = () => undefined, pluginFlags: readonly BuiltinFlag[] = []): Command {
  const program = new Command('tester')
    .description('Black-box, scenario-driven resilience tester for DevOps control planes.')
    .version(cliVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run `tester --help` for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 all scenarios passed; 1 a scenario failed, errored, was flaky or not run, or a reporter could not\n' +
        'write its output; 2 the tester could not start\n' +
        '(bad flags, invalid config, invalid scenario); 130/143 interrupted by SIGINT/SIGTERM after rolling back.\n' +
        'Run `tester <command> --help` for the options of a command.',
    );
  const act = (load: () => Promise<(...args: never[]) => Promise<number>>, takesPluginFlags = false) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const params = takesPluginFlags ? collectPluginFlags(command, args.slice(0, -1), pluginFlags) : args.slice(0, -1);
      const handler = await load();
      // commander passes (...positionals, options, command); handlers take (...positionals, options, io).
      setCode(await (handler as (...a: unknown[]) => Promise<number>)(...params, io));
    };

  withRunOptions(program.command('run'), pluginFlags)
    .description('run one or more scenario files')
    .requiredOption('-s, --scenario <file>', 'scenario file to run (repeatable)', collect)
    .action(act(async () => (await import('./commands/run')).runCommand, true));
  withRunOptions(program.command('ci'), pluginFlags)
    .description('run every scenario under the scenarios folder, as CI does')
    .option('-d, --scenarios-dir <dir>', 'folder of scenario files (default "scenarios" beside the config; env TESTER_SCENARIOS_DIR)')
    .action(act(async () => (await import('./commands/ci')).ciCommand, true));
  withRunOptions(program.command('mutate'), pluginFlags)
    .argument('[paths...]', 'scenario files or folders (default: the scenarios dir)')
    .option('--from <report>', 'judge against this JSON report instead of running the scenarios live')
    .option('--min-score <percent>', 'exit 1 when a scenario\'s mutation score is below this')
    .option('--json <file>', 'write the mutation report as JSON')
    .option('--html <file>', 'write the mutation report as a self-contained HTML page')
    .description('how strong are these scenarios? mutants of every expectation, judged by replay against one recorded run')
    .action(act(async () => (await import('./commands/mutate')).mutateCommand, true));
  withConfig(program.command('replay'))
    .argument('<report>', 'a JSON report written by -r json=FILE')
    .option('--scenario <file>', 'an edited copy of a recorded scenario (same actions, systems and window; other expectations)')
    .option('-r, --reporter <name[=file]>', 'reporter, as for run (repeatable; env TESTER_REPORTER=a,b)', collect)
    .description('re-judge the expectations of a recorded run (a JSON report) without injecting anything: same evaluators, same rules')
    .action(act(async () => (await import('./commands/replay')).replayCommand));
  withConfig(program.command('validate'))
    .description('check scenario files without running them; every problem is printed as file:line:col path: message (exit 2 if any)')
    .argument('[paths...]', 'scenario files or folders (default: the scenarios folder)')
    .action(act(async () => (await import('./commands/validate')).validateCommand));
  withConfig(program.command('list'))
    .description('list scenarios with their tags and systems')
    .argument('[paths...]', 'scenario files or folders (default: the scenarios folder)')
    .option('--grep <regex>', 'only scenarios whose name or file matches')
    .option('--tag <tag>', 'only scenarios with this tag (repeatable)', collect)
    .option('--shard <i/n>', 'only the scenarios of shard i of n')
    .option('--json', 'print JSON instead of a table')
    .action(act(async () => (await import('./commands/list')).listCommand));
  program
    .command('init')
    .description('write a starter tester.config.yaml and scenarios/example.yaml')
    .argument('[dir]', 'folder to initialise', '.')
    .option('--force', 'overwrite existing files')
    .action(act(async () => (await import('./commands/init')).initCommand));
  withConfig(program.command('schema'))
    .description('print the JSON Schema of scenario files (with the configured plugins), for editors')
    .addOption(new Option('--report', 'print the JSON Schema of the json reporter output instead'))
    .addOption(new Option('--config-file', 'print the JSON Schema of tester.config.yaml instead'))
    .action(act(async () => (await import('./commands/schema')).schemaCommand));
  program
    .command('merge-reports')
    .description('join the json reports of shards into one and render reporters from it')
    .argument('<reports...>', 'json report files (from --reporter json=FILE)')
    .option('-r, --reporter <name[=file]>', 'reporter to render the merged report with (repeatable; default console)', collect)
    .action(act(async () => (await import('./commands/merge-reports')).mergeReportsCommand));
  withPluginFlags(
    withConfig(program.command('cleanup'))
      .description('roll back every fault left in the ledger by a crashed or killed run')
      .option('--ledger <file>', 'fault ledger file (default .tester/ledger.json beside the config; env TESTER_LEDGER)'),
    pluginFlags,
  )
    .option('--dry-run', 'list the entries without undoing them')
    .option('--force', 'move an unreadable (corrupt) ledger aside first, so that runs can start again; its faults must then be checked by hand')
    .action(act(async () => (await import('./commands/cleanup')).cleanupCommand, true));
  // `tester --help` documents every command *and* flag, so nobody has to guess which command takes what.
  program.addHelpText('after', () => `\n${program.commands.filter((c) => c.name() !== 'help').map(commandReference).join('\n')}`);
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the exit code:
 * 0 all passed, 1 a scenario failed or errored, 2 the tester could not start, 130/143 interrupted.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.passed;
  // The built-ins' flags, from their package.json files: a module of Node built-ins, not the plugins themselves.
  const { builtinFlags } = await import('./config/bindings-read');
  const program = createProgram(io, (c) => (code = c), builtinFlags());
  // Node exits, with code 0, when nothing is left to wait for: a command awaiting a promise that can never settle
  // would end silently. That is a bug (every wait the CLI makes is bounded): say so, and exit 1.
  const unsettled = () => {
    io.stderr.write('tester: internal error: the command stopped before finishing (it waited for something that can never happen)\n');
    process.exitCode = EXIT.failed;
  };
  process.once('beforeExit', unsettled);
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0; commander already printed the problem.
      return error.exitCode === 0 ? EXIT.passed : EXIT.cannotStart;
    }
    if (isCannotStart(error)) {
      io.stderr.write(`tester: ${messageOf(error)}\n`);
      return EXIT.cannotStart;
    }
    // Not the user's input: say so, and keep the stack for TESTER_DEBUG only.
    io.stderr.write(`tester: internal error: ${messageOf(error)}\n`);
    if (io.env.TESTER_DEBUG && error instanceof Error) io.stderr.write(`${error.stack ?? ''}\n`);
    else io.stderr.write('(set TESTER_DEBUG=1 for the stack trace)\n');
    return EXIT.failed;
  } finally {
    process.off('beforeExit', unsettled);
  }
}
