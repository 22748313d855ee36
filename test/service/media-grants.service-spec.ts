import { DataSource } from 'typeorm';
import { AccessService } from '../../src/access/access.service.js';
import type { SignedMediaGrant } from '../../src/access/access.types.js';
import { useTestApp } from '../support/use-test-app.js';
import { serviceGiven, type ServiceGiven } from './support/service-given.js';

/*
 * The rule a signed media URL was issued under, checked again at every load (AccessService.requireMediaGrant):
 * each kind of grant holds while its rule does, and a load is refused (404) the moment it stops.
 */
describe('signed media URL grants, at the access service', () => {
  const app = useTestApp();
  let given: ServiceGiven;
  let access: AccessService;
  let database: DataSource;

  beforeAll(() => {
    given = serviceGiven(app.running);
    access = app.running.app.get(AccessService);
    database = app.running.app.get(DataSource);
  });

  const holds = (mediaId: string, grant: SignedMediaGrant) =>
    access.requireMediaGrant(mediaId, grant).then(
      () => true,
      (error: { code?: string }) => (error.code === 'NOT_FOUND' ? false : Promise.reject(error as Error)),
    );
  const ban = (userId: string) => database.query('UPDATE users SET banned = true WHERE id = $1', [userId]);

  it('viewer: the full media.read rule for that user, who must not be banned', async () => {
    const [ada, bob, eve] = await Promise.all([given.user(), given.user(), given.user()]);
    const group = await given.group(ada, [bob]);
    const upload = await given.upload(ada);
    await given.message(ada, group, 'look', [upload]);
    expect(await holds(upload, { kind: 'viewer', userId: ada.id })).toBe(true);
    expect(await holds(upload, { kind: 'viewer', userId: bob.id })).toBe(true);
    expect(await holds(upload, { kind: 'viewer', userId: eve.id })).toBe(false);
    await ban(bob.id);
    expect(await holds(upload, { kind: 'viewer', userId: bob.id })).toBe(false);
  });

  it('conversation: a message of that conversation that is not deleted carries the upload', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const [group, other] = await Promise.all([given.group(ada, [bob]), given.group(ada, [])]);
    const upload = await given.upload(ada);
    expect(await holds(upload, { kind: 'conversation', conversationId: group })).toBe(false);
    await given.message(ada, group, 'look', [upload]);
    expect(await holds(upload, { kind: 'conversation', conversationId: group })).toBe(true);
    expect(await holds(upload, { kind: 'conversation', conversationId: other })).toBe(false);
    await database.query('UPDATE message SET deleted_at = now() WHERE conversation_id = $1', [group]);
    expect(await holds(upload, { kind: 'conversation', conversationId: group })).toBe(false);
  });

  it("avatar: it is the avatar of a user who is not banned; an uploader's other images are not", async () => {
    const ada = await given.user();
    const [avatar, other] = await Promise.all([given.upload(ada), given.upload(ada)]);
    expect(await holds(avatar, { kind: 'avatar' })).toBe(false);
    await database.query('UPDATE users SET avatar_media_id = $2 WHERE id = $1', [ada.id, avatar]);
    expect(await holds(avatar, { kind: 'avatar' })).toBe(true);
    expect(await holds(other, { kind: 'avatar' })).toBe(false);
    await ban(ada.id);
    expect(await holds(avatar, { kind: 'avatar' })).toBe(false);
  });
});
