import { ConfigError, parseConfig } from './config.js';
import { ControlPlane } from './app.js';

/** `node dist/main.js [flags]`: see README.md for flags and CP_* variables. */
async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (error) {
    console.error(`control-plane: ${(error as Error).message}`);
    process.exit(2);
  }
  const cp = new ControlPlane(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: do not wait any longer
    stopping = true;
    cp.log(`${signal}: stopping`);
    cp.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`control-plane: stopping failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await cp.start();
  } catch (error) {
    console.error(`control-plane: could not start: ${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}`);
    await cp.stop().catch(() => {});
    process.exit(1);
  }
}

void main();
