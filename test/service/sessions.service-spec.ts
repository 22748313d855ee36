import { DataSource } from 'typeorm';
import { SessionRepository } from '../../src/auth/session.repository.js';
import { lockBannedPart } from '../../src/users/users.repository.js';
import { useTestApp } from '../support/use-test-app.js';
import { serviceGiven, type ServiceGiven } from './support/service-given.js';

/*
 * Opening a session is one statement with the ban check (and, at sign-in, the pruning of the user's
 * expired sessions): no session for a banned or missing user.
 */
describe('opening a session, at the session repository', () => {
  const app = useTestApp();
  let given: ServiceGiven;
  let sessions: SessionRepository;
  let database: DataSource;

  beforeAll(() => {
    given = serviceGiven(app.running);
    sessions = app.running.app.get(SessionRepository);
    database = app.running.app.get(DataSource);
  });

  const client = { userAgent: 'spec', ip: '127.0.0.1' };
  const expiresAt = () => new Date(Date.now() + 3_600_000);
  const sessionsOf = async (userId: string) =>
    (await database.query('SELECT id, expires_at < now() AS expired FROM session WHERE user_id = $1 ORDER BY created_at', [userId])) as Array<{
      id: string;
      expired: boolean;
    }>;
  const open = (userId: string, pruneBefore?: Date) =>
    sessions.transaction((manager) =>
      sessions.openUnlessBanned(
        manager,
        lockBannedPart(userId),
        { userId, refreshTokenHash: `hash-${Math.random()}`, expiresAt: expiresAt(), client },
        pruneBefore,
      ),
    );

  it('opens one for a user who is not banned, and prunes only their expired sessions when asked', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const before = (await sessionsOf(ada.id)).length;
    const first = await open(ada.id);
    expect(first).toEqual(expect.any(String));
    await database.query(`UPDATE session SET expires_at = now() - interval '1 hour' WHERE user_id = ANY($1::uuid[])`, [[ada.id, bob.id]]);
    const bobsBefore = (await sessionsOf(bob.id)).length;
    const second = await open(ada.id, new Date());
    expect((await sessionsOf(ada.id)).map((session) => [session.id, session.expired])).toEqual([[second, false]]);
    expect(before).toBe(0);
    expect((await sessionsOf(bob.id)).length).toBe(bobsBefore);
  });

  it('opens none for a banned user', async () => {
    const eve = await given.user();
    const earlier = await open(eve.id);
    await database.query('UPDATE users SET banned = true WHERE id = $1', [eve.id]);
    expect(await open(eve.id)).toBeNull();
    expect((await sessionsOf(eve.id)).map((session) => session.id)).toEqual([earlier]);
  });

  it('opens none for a user who does not exist', async () => {
    expect(await open('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
