import { DataSource } from 'typeorm';
import { User } from '../../src/users/user.entity.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { useTestApp } from '../support/use-test-app.js';
import { serviceGiven, type ServiceGiven } from './support/service-given.js';

/*
 * `findWithAvatar` (`/users/me`, profiles, every refresh) is one hand-written prepared statement: it must
 * answer exactly the entity TypeORM's `findOne` with the avatar relation answers, with and without an
 * avatar, and leave a banned user out when asked for active users only.
 */
describe('a user with their avatar, in one statement', () => {
  const app = useTestApp();
  let given: ServiceGiven;
  let database: DataSource;
  let users: UsersRepository;

  beforeAll(() => {
    given = serviceGiven(app.running);
    database = app.running.app.get(DataSource);
    users = app.running.app.get(UsersRepository);
  });

  const byTypeOrm = (id: string) => database.manager.findOne(User, { where: { id }, relations: { avatarMedia: true } });

  it('answers what findOne with the relation answers, field for field, with an avatar and without', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const avatar = await given.upload(ada);
    await database.query(`UPDATE users SET avatar_media_id = $2, status_text = 'away', metadata = '{"a": [1, {"b": null}]}', is_bot = true WHERE id = $1`, [
      ada.id,
      avatar,
    ]);
    for (const id of [ada.id, bob.id]) {
      const [mine, theirs] = [await users.findWithAvatar(id), await byTypeOrm(id)];
      expect(mine).toBeInstanceOf(User);
      expect(mine).toEqual(theirs);
    }
    const withAvatar = await users.findWithAvatar(ada.id);
    expect(withAvatar?.avatarMedia?.id).toBe(avatar);
    expect(typeof withAvatar?.avatarMedia?.size).toBe('number');
    expect((await users.findWithAvatar(bob.id))?.avatarMedia).toBeNull();
  });

  it('answers many users at once as find with the relation does, banned ones included, unknown ids left out', async () => {
    const [ada, bob, cyd] = [await given.user(), await given.user(), await given.user()];
    await database.query('UPDATE users SET avatar_media_id = $2 WHERE id = $1', [ada.id, await given.upload(ada)]);
    await database.query('UPDATE users SET banned = true WHERE id = $1', [cyd.id]);
    const ids = [ada.id, bob.id, cyd.id, '00000000-0000-4000-8000-000000000000'];
    const byId = (list: User[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    const theirs = await database.manager.find(User, { where: ids.slice(0, 3).map((id) => ({ id })), relations: { avatarMedia: true } });
    expect(byId(await users.findManyWithAvatars(ids))).toEqual(byId(theirs));
    expect(await users.findManyWithAvatars([])).toEqual([]);
  });

  it('leaves a banned user out only when asked for active users, and answers null for no such user', async () => {
    const ada = await given.user();
    await database.query('UPDATE users SET banned = true WHERE id = $1', [ada.id]);
    expect((await users.findWithAvatar(ada.id))?.banned).toBe(true);
    expect(await users.findWithAvatar(ada.id, undefined, { activeOnly: true })).toBeNull();
    expect(await users.findWithAvatar('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('reads in the caller’s transaction: a change made there is seen before it commits', async () => {
    const ada = await given.user();
    await database.transaction(async (manager) => {
      await manager.query(`UPDATE users SET display_name = 'Inside' WHERE id = $1`, [ada.id]);
      expect((await users.findWithAvatar(ada.id, manager))?.displayName).toBe('Inside');
    });
  });
});
