import { startTestApp, type TestApp } from './test-app.js';

export interface UsedTestApp {
  /** The app, once `beforeAll` has started it. */
  readonly running: TestApp;
}

/**
 * The app for a suite: started in `beforeAll` (on the run's database, and Redis when the run has
 * REDIS_URL), closed in `afterAll`. `const app = useTestApp(); … app.running.app.inject(…)`.
 */
export function useTestApp(options: { env?: Record<string, string>; listen?: boolean } = {}): UsedTestApp {
  let running: TestApp | undefined;
  beforeAll(async () => {
    running = await startTestApp(options.env ?? {}, { listen: options.listen });
  });
  afterAll(async () => {
    await running?.close();
  });
  return {
    get running() {
      if (!running) throw new Error('useTestApp: the app starts in beforeAll');
      return running;
    },
  };
}
