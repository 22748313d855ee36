import { DataSource } from 'typeorm';
import { Jobs } from '../../src/jobs/jobs.service.js';
import { SESSION_HOUSEKEEPING_JOB } from '../../src/auth/session-housekeeping.js';
import { eventually } from '../support/faults/ports.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';
import { sessionIdOf } from '../support/world.js';

describe('housekeeping: the sessions.housekeeping cron job', () => {
  const app = useTestApp({ env: { JOBS_POLL_INTERVAL_MS: '500' } });
  let given: Given;
  const sql = (query: string, parameters?: unknown[]) => app.running.app.get(DataSource).query(query, parameters);

  beforeAll(() => {
    given = builders(app.running);
  });

  const refresh = (user: GivenUser) => app.running.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: user.refreshToken } });

  it('is scheduled hourly, and a run deletes the sessions that ended over a day ago with their spent tokens, and nothing else', async () => {
    const schedule = await eventually(
      async () => ((await sql(`SELECT cron FROM pgboss.schedule WHERE name = $1`, [SESSION_HOUSEKEEPING_JOB])) as Array<{ cron: string }>)[0],
      { timeoutMs: 10_000, what: 'the schedule' },
    );
    expect(schedule.cron).toBe('17 * * * *');

    const ada = await given.user();
    const [expiredLongAgo, revokedLongAgo, expiredJustNow, revokedJustNow, live] = await Promise.all(
      Array.from({ length: 5 }, () => given.anotherSession(ada)),
    );
    // A rotation leaves a spent token on each of these two sessions.
    expect((await refresh(expiredLongAgo)).statusCode).toBe(200);
    const rotated = await refresh(live);
    expect(rotated.statusCode).toBe(200);
    await sql(`UPDATE session SET expires_at = now() - interval '2 days' WHERE id = $1`, [sessionIdOf(expiredLongAgo)]);
    await sql(`UPDATE session SET revoked_at = now() - interval '2 days', revoked_reason = 'revoked' WHERE id = $1`, [sessionIdOf(revokedLongAgo)]);
    await sql(`UPDATE session SET expires_at = now() - interval '1 hour' WHERE id = $1`, [sessionIdOf(expiredJustNow)]);
    await sql(`UPDATE session SET revoked_at = now() - interval '1 hour', revoked_reason = 'logout' WHERE id = $1`, [sessionIdOf(revokedJustNow)]);
    // The live session's spent token: its retry window closed, but the token must stay (reuse detection).
    await sql(`UPDATE spent_refresh_token SET replayable_until = now() - interval '1 minute' WHERE session_id = $1`, [sessionIdOf(live)]);

    const jobId = await app.running.app.get(Jobs).enqueue(SESSION_HOUSEKEEPING_JOB, {});
    await eventually(
      async () => ((await sql(`SELECT state FROM pgboss.job WHERE id = $1`, [jobId])) as Array<{ state: string }>)[0]?.state === 'completed' || undefined,
      { timeoutMs: 20_000, intervalMs: 200, what: 'the housekeeping run' },
    );

    const left = (await sql(`SELECT id FROM session WHERE user_id = $1`, [ada.id])) as Array<{ id: string }>;
    expect(left.map((row) => row.id).sort()).toEqual([sessionIdOf(ada), sessionIdOf(expiredJustNow), sessionIdOf(revokedJustNow), sessionIdOf(live)].sort());
    expect(await sql(`SELECT 1 FROM spent_refresh_token WHERE session_id = ANY($1::uuid[])`, [[sessionIdOf(expiredLongAgo)]])).toEqual([]);
    const kept = (await sql(`SELECT successor_sealed, replayable_until FROM spent_refresh_token WHERE session_id = $1`, [sessionIdOf(live)])) as Array<{
      successor_sealed: Buffer | null;
      replayable_until: Date | null;
    }>;
    expect(kept).toEqual([{ successor_sealed: null, replayable_until: null }]);

    // The spent token of the live session is still recognised as reuse; the current one still works.
    const reuse = await refresh(live);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('TOKEN_REUSED');
    expect((await refresh(ada)).statusCode).toBe(200);
  });
});
