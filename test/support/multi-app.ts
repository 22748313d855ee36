import passport from 'passport';
import { JWT_STRATEGY, JwtStrategy } from '../../src/auth/jwt.strategy.js';
import type { TestApp } from './test-app.js';

/**
 * Passport keeps one strategy per name for the whole process, and the app that started last owns it:
 * every app in the process authenticates REST calls through that app's services. Production runs one
 * app per process; a test that runs several at once and closes the newest hands the strategy back to
 * one that is still running with this.
 */
export function handPassportTo(running: TestApp): void {
  passport.use(JWT_STRATEGY, running.app.get(JwtStrategy));
}
