import { type AppConfig, loadConfig } from './config/app-config.js';
import { ROOT_LOGGER } from './observability/observability.module.js';
import { ConfigError } from './config/env-readers.js';
import { createApp, type RunningApp } from './app.factory.js';

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** SIGTERM / SIGINT: stop accepting, finish in-flight requests, close sockets and connections, exit 0. */
function exitGracefully(running: RunningApp) {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const logger = running.app.get(ROOT_LOGGER);
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${running.config.shutdownTimeoutMs} ms, exiting anyway`);
      process.exit(1);
    }, running.config.shutdownTimeoutMs).unref();
    running
      .close()
      .then(() => {
        clearTimeout(deadline);
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const config = readConfig();
const running = await createApp(config);
exitGracefully(running);
await running.app.listen({ port: config.port, host: config.host });
running.app.get(ROOT_LOGGER).info(`listening on http://${config.host}:${config.port} (docs at /docs)`);
