import { DataSource } from 'typeorm';
import { AccessService } from '../../src/access/access.service.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { useTestApp } from '../support/use-test-app.js';
import { serviceGiven, type ServiceGiven } from './support/service-given.js';

/*
 * Presence gathers the database work of many users' comings and goings into one statement each
 * (`TickBatch`): the statements must answer each user its own row, in the order asked, whoever is listed
 * twice or not at all.
 */
describe('presence batches, at the repositories', () => {
  const app = useTestApp();
  let given: ServiceGiven;
  let database: DataSource;
  let users: UsersRepository;
  let access: AccessService;

  beforeAll(() => {
    given = serviceGiven(app.running);
    database = app.running.app.get(DataSource);
    users = app.running.app.get(UsersRepository);
    access = app.running.app.get(AccessService);
  });

  const lastSeenInDatabase = async (id: string) =>
    ((await database.query('SELECT last_seen_at FROM users WHERE id = $1', [id])) as Array<{ last_seen_at: Date | null }>)[0].last_seen_at;

  it('stamps last_seen_at of many users in one statement, the later time for a user listed twice', async () => {
    const [ada, bob, eve] = [await given.user(), await given.user(), await given.user()];
    const early = new Date('2026-12-01T10:00:00.000Z');
    const late = new Date('2026-12-01T10:00:05.000Z');
    await users.setLastSeenMany([
      { id: ada.id, at: late },
      { id: bob.id, at: early },
      { id: ada.id, at: early },
    ]);
    expect(await lastSeenInDatabase(ada.id)).toEqual(late);
    expect(await lastSeenInDatabase(bob.id)).toEqual(early);
    expect(await lastSeenInDatabase(eve.id)).toBeNull();
    await expect(users.setLastSeenMany([])).resolves.toBeUndefined();
  });

  it('reads last_seen_at of many users in the order asked, null for one never seen or unknown', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const at = new Date('2026-12-02T08:30:00.000Z');
    await users.setLastSeenMany([{ id: bob.id, at }]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await users.lastSeenOfMany([bob.id, ada.id, unknown, bob.id])).toEqual([at, null, null, at]);
    expect(await users.lastSeenOfMany([])).toEqual([]);
  });

  it("answers each user's conversations, in the order asked, none for a user in none", async () => {
    const [ada, bob, cyd, lone] = [await given.user(), await given.user(), await given.user(), await given.user()];
    const adaBob = await given.direct(ada, bob);
    const adaCyd = await given.direct(ada, cyd);
    const [forCyd, forLone, forAda, forCydAgain] = await access.conversationIdsOfMany([cyd.id, lone.id, ada.id, cyd.id]);
    expect(forCyd).toEqual([adaCyd]);
    expect(forLone).toEqual([]);
    expect([...forAda].sort()).toEqual([adaBob, adaCyd].sort());
    expect(forCydAgain).toEqual([adaCyd]);
  });
});
