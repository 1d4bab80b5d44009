import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startPlenary } from './plenary.ts';
import { settleHeap } from './ops/settle-heap.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const plenary = await startPlenary(config, { logger });
  settleHeap();
  logger.info({ url: plenary.url }, 'Plenary is listening');
  process.stdout.write(`\nPlenary is running at ${plenary.url}\n\n`);
  // Printed, never logged: the link is a credential. It works once, within 24 hours;
  // while no organiser has signed in, every start prints a fresh one.
  for (const { eventId, link } of plenary.organizerLinks) {
    process.stdout.write(`Organiser sign-in for "${eventId}" (one-time link, valid 24 h):\n  ${link}\n\n`);
  }

  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    plenary.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Plenary failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
