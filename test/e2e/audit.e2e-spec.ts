import { DataSource } from 'typeorm';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

interface AuditEntry {
  id: string;
  actorId: string;
  type: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: string;
}

describe('the audit log', () => {
  const app = useTestApp();
  let given: Given;
  let chat: ChatGiven;
  let admin: GivenUser;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    admin = await given.admin();
  });

  const inject = (method: 'GET' | 'PATCH' | 'DELETE', url: string, user: GivenUser | null, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });
  const audit = async (query: string, by: GivenUser = admin): Promise<{ items: AuditEntry[]; nextCursor: string | null }> => {
    const answer = await inject('GET', `/admin/audit?${query}`, by);
    expect(answer.statusCode).toBe(200);
    return answer.json();
  };

  it('is for admins only: 403 for a user, 401 without a token', async () => {
    const ada = await given.user();
    const forbidden = await inject('GET', '/admin/audit', ada);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('FORBIDDEN');
    expect((await inject('GET', '/admin/audit', null)).statusCode).toBe(401);
  });

  it('records a ban, an unban and role changes with before, after, actor and the request id', async () => {
    const ada = await given.user();
    const banned = await inject('PATCH', `/admin/users/${ada.id}`, admin, { banned: true });
    expect(banned.statusCode).toBe(200);
    await inject('PATCH', `/admin/users/${ada.id}`, admin, { banned: false });
    await inject('PATCH', `/admin/users/${ada.id}`, admin, { role: 'admin' });
    await inject('PATCH', `/admin/users/${ada.id}`, admin, { role: 'admin' });

    const { items, nextCursor } = await audit(`targetId=${ada.id}`);
    expect(nextCursor).toBeNull();
    expect(items).toEqual([
      expect.objectContaining({ type: 'user.role_changed', before: { role: 'user' }, after: { role: 'admin' } }),
      expect.objectContaining({ type: 'user.unbanned', before: { banned: true }, after: { banned: false } }),
      {
        id: expect.any(String),
        actorId: admin.id,
        type: 'user.banned',
        targetType: 'user',
        targetId: ada.id,
        before: { banned: false },
        after: { banned: true },
        requestId: banned.headers['x-request-id'],
        createdAt: expect.any(String),
      },
    ]);
  });

  it('records an admin message delete without the words, and nothing for deleting a tombstone again', async () => {
    const [owner, member] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(owner, [member]);
    const message = await chat.message(member, group, 'secret words');
    expect((await inject('DELETE', `/admin/messages/${message.id}`, admin)).statusCode).toBe(204);
    expect((await inject('DELETE', `/admin/messages/${message.id}`, admin)).statusCode).toBe(204);
    const { items } = await audit(`targetId=${message.id}`);
    expect(items).toEqual([
      expect.objectContaining({
        type: 'message.deleted',
        targetType: 'message',
        actorId: admin.id,
        before: { conversationId: group.id, senderId: member.id, deleted: false },
        after: { deleted: true },
      }),
    ]);
    expect(JSON.stringify(items)).not.toContain('secret words');
  });

  it('writes no row when the action fails', async () => {
    const refused = await inject('PATCH', `/admin/users/${admin.id}`, admin, { banned: true });
    expect(refused.statusCode).toBe(400);
    expect((await audit(`targetId=${admin.id}`)).items).toEqual([]);
  });

  it('filters by actor, target and type, newest first, a page at a time', async () => {
    const [other, ada, bob] = await Promise.all([given.admin(), given.user(), given.user()]);
    await inject('PATCH', `/admin/users/${ada.id}`, other, { banned: true });
    await inject('PATCH', `/admin/users/${bob.id}`, other, { role: 'admin' });
    await inject('PATCH', `/admin/users/${bob.id}`, other, { banned: true });

    const byActor = await audit(`actorId=${other.id}`);
    expect(byActor.items.map((entry) => [entry.type, entry.targetId])).toEqual([
      ['user.banned', bob.id],
      ['user.role_changed', bob.id],
      ['user.banned', ada.id],
    ]);
    expect((await audit(`actorId=${other.id}&type=user.banned`)).items.map((entry) => entry.targetId)).toEqual([bob.id, ada.id]);
    expect((await audit(`actorId=${other.id}&targetId=${ada.id}`)).items).toHaveLength(1);

    const first = await audit(`actorId=${other.id}&limit=2`);
    expect(first.items.map((entry) => entry.id)).toEqual(byActor.items.slice(0, 2).map((entry) => entry.id));
    const second = await audit(`actorId=${other.id}&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((entry) => entry.id)).toEqual([byActor.items[2].id]);
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    ['type=user.exploded', 'type'],
    ['actorId=nope', 'actorId'],
    ['targetId=1', 'targetId'],
    ['limit=0', 'limit'],
    ['cursor=garbage', 'cursor'],
    [`cursor=${Buffer.from(JSON.stringify({ id: '-1' })).toString('base64url')}`, 'cursor'],
  ])('answers 400 with details for %s', async (query, field) => {
    const answer = await inject('GET', `/admin/audit?${query}`, admin);
    expect(answer.statusCode).toBe(400);
    expect(answer.json().details).toEqual([expect.objectContaining({ field })]);
  });

  it('is append-only in the database: an UPDATE or DELETE of a row fails', async () => {
    const database = app.running.app.get(DataSource);
    await expect(database.query(`UPDATE audit_entry SET type = 'user.unbanned'`)).rejects.toThrow(/append-only/);
    await expect(database.query(`DELETE FROM audit_entry`)).rejects.toThrow(/append-only/);
  });
});
