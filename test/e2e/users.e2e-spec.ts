import { DataSource } from 'typeorm';
import { builders, type Given, uniqueName } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

describe('users: profiles, search, blocks', () => {
  const app = useTestApp();
  let given: Given;

  beforeAll(async () => {
    given = builders(app.running);
  });

  const inject = (method: 'GET' | 'PATCH' | 'PUT' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
    app.running.app.inject({ method, url: `/api/v1${url}`, headers, payload });

  it('shows me my own account', async () => {
    const ada = await given.user({ displayName: 'Ada' });
    const response = await inject('GET', '/users/me', ada.auth);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: ada.id,
      email: ada.email,
      username: ada.username,
      displayName: 'Ada',
      statusText: null,
      avatar: null,
      role: 'user',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      metadata: {},
    });
  });

  it('updates my display name and status text, and clears the status with null', async () => {
    const ada = await given.user();
    const updated = await inject('PATCH', '/users/me', ada.auth, { displayName: '  Ada L.  ', statusText: 'Computing' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ displayName: 'Ada L.', statusText: 'Computing', avatar: null });
    const cleared = await inject('PATCH', '/users/me', ada.auth, { statusText: null, avatarMediaId: null });
    expect(cleared.json()).toMatchObject({ displayName: 'Ada L.', statusText: null });
  });

  it.each([
    ['role', { role: 'admin' }],
    ['email', { email: 'someone@else.test' }],
    ['banned', { banned: true }],
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
    ['an unknown field', { passwordHash: 'x' }],
    ['an allowed field next to a forbidden one', { displayName: 'Sneaky', role: 'admin' }],
  ])('refuses a PATCH of %s with 400 and changes nothing', async (_what, payload) => {
    const ada = await given.user({ displayName: 'Original' });
    const response = await inject('PATCH', '/users/me', ada.auth, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]),
    });
    const [row] = await app.running.app.get(DataSource).query('SELECT email, role, banned, display_name FROM users WHERE id = $1', [ada.id]);
    expect(row).toEqual({ email: ada.email, role: 'user', banned: false, display_name: 'Original' });
  });

  it('refuses a status text over 140 characters and an avatar that is not an upload of mine', async () => {
    const ada = await given.user();
    const long = await inject('PATCH', '/users/me', ada.auth, { statusText: 'x'.repeat(141) });
    expect(long.statusCode).toBe(400);
    expect(long.json().details[0].field).toBe('statusText');
    const avatar = await inject('PATCH', '/users/me', ada.auth, { avatarMediaId: '00000000-0000-4000-8000-000000000000' });
    expect(avatar.statusCode).toBe(400);
    expect(avatar.json().details).toEqual([{ field: 'avatarMediaId', message: expect.any(String) }]);
  });

  it("shows another user's profile without their email, with presence", async () => {
    const ada = await given.user();
    const bob = await given.user({ displayName: 'Bob' });
    const response = await inject('GET', `/users/${bob.id}`, ada.auth);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: bob.id,
      username: bob.username,
      displayName: 'Bob',
      statusText: null,
      avatar: null,
      isBot: false,
      presence: { online: false, lastSeenAt: null },
    });
    expect((await inject('GET', '/users/00000000-0000-4000-8000-000000000000', ada.auth)).statusCode).toBe(404);
    expect((await inject('GET', '/users/nope', ada.auth)).statusCode).toBe(400);
  });

  it('finds users by a case-insensitive prefix of username or display name, page by page', async () => {
    const tag = uniqueName('s').slice(0, 12);
    const ada = await given.user({ username: `${tag}_a` });
    await given.user({ username: `${tag}_b` });
    await given.user({ username: `${tag}_c` });
    const named = await given.user({ displayName: `${tag.toUpperCase()} Display` });
    await given.user({ displayName: `not ${tag}` });

    const first = await inject('GET', `/users?search=${tag.toUpperCase()}&limit=2`, ada.auth);
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((p: { username: string }) => p.username)).toEqual([`${tag}_a`, `${tag}_b`]);
    expect(first.json().items[0]).not.toHaveProperty('email');
    const second = await inject('GET', `/users?search=${tag}&limit=2&cursor=${first.json().nextCursor}`, ada.auth);
    expect(second.json().items.map((p: { username: string }) => p.username)).toEqual([`${tag}_c`, named.username].sort());
    expect(second.json().nextCursor).toBeNull();
  });

  it('treats LIKE wildcards in a search literally', async () => {
    const ada = await given.user();
    const response = await inject('GET', '/users?search=%25', ada.auth);
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([]);
    expect((await inject('GET', '/users?cursor=garbage', ada.auth)).statusCode).toBe(400);
  });

  it('blocks and unblocks idempotently', async () => {
    const ada = await given.user();
    const bob = await given.user();
    const blocks = () => app.running.app.get(DataSource).query('SELECT blocker_id, blocked_id FROM user_block WHERE blocker_id = $1', [ada.id]);
    expect((await inject('PUT', `/users/${bob.id}/block`, ada.auth)).statusCode).toBe(204);
    expect((await inject('PUT', `/users/${bob.id}/block`, ada.auth)).statusCode).toBe(204);
    expect(await blocks()).toEqual([{ blocker_id: ada.id, blocked_id: bob.id }]);
    expect((await inject('DELETE', `/users/${bob.id}/block`, ada.auth)).statusCode).toBe(204);
    expect((await inject('DELETE', `/users/${bob.id}/block`, ada.auth)).statusCode).toBe(204);
    expect(await blocks()).toEqual([]);
  });

  it('refuses to block myself or someone who does not exist', async () => {
    const ada = await given.user();
    expect((await inject('PUT', `/users/${ada.id}/block`, ada.auth)).statusCode).toBe(400);
    expect((await inject('PUT', '/users/00000000-0000-4000-8000-000000000000/block', ada.auth)).statusCode).toBe(404);
  });
});
