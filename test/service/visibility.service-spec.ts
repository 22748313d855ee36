import { DataSource } from 'typeorm';
import { ConversationsService } from '../../src/conversations/conversations.service.js';
import { EventLog } from '../../src/events/event-log.service.js';
import { MessagesService } from '../../src/messages/messages.service.js';
import { SyncCursors } from '../../src/sync/sync-cursors.js';
import { SyncService } from '../../src/sync/sync.service.js';
import type { AuthUser } from '../../src/common/auth/auth-user.js';
import { useTestApp } from '../support/use-test-app.js';
import { serviceGiven, type ServiceGiven } from './support/service-given.js';

/*
 * Who sees which event, and what the log still says, at the service: SyncService over the real log.
 */
describe('event visibility and the forgetting log, at the service', () => {
  const app = useTestApp();
  let given: ServiceGiven;

  beforeAll(() => {
    given = serviceGiven(app.running);
  });

  const service = <T>(type: abstract new (...args: never[]) => T) => app.running.app.get(type as never) as T;

  async function everything(user: AuthUser) {
    await service(EventLog).flush();
    // The oldest cursor the log accepts (other suites sharing the database may have pruned some).
    const [{ pruned_through: prunedThrough }] = await service(DataSource).query('SELECT pruned_through FROM event_log_state WHERE id = 1');
    const since = service(SyncCursors).encode(BigInt(prunedThrough));
    const result = await service(SyncService).sync(user, { since, limit: 1000 });
    expect(result.hasMore).toBe(false);
    return result.events;
  }

  it('shows a member the events from their join on, a re-join as a new window, and nothing after leaving', async () => {
    const [owner, late] = await Promise.all([given.user(), given.user()]);
    const group = await given.group(owner, []);
    await given.message(owner, group, 'before');
    await service(ConversationsService).addMembers(owner, group, { userIds: [late.id] });
    await given.message(owner, group, 'during');
    await service(ConversationsService).removeMember(late, group, late.id);
    await given.message(owner, group, 'away');
    await service(ConversationsService).addMembers(owner, group, { userIds: [late.id] });
    await given.message(owner, group, 'back');

    const contents = (await everything(late)).filter((event) => event.type === 'message.created').map((event) => (event.data as { content: string }).content);
    expect(contents).toEqual(['back']);
    const ownerContents = (await everything(owner))
      .filter((event) => event.type === 'message.created')
      .map((event) => (event.data as { content: string }).content);
    expect(ownerContents).toEqual(['before', 'during', 'away', 'back']);
  });

  it('rewrites every event that embeds an edited or deleted message', async () => {
    const [owner, member] = await Promise.all([given.user(), given.user()]);
    const group = await given.group(owner, [member]);
    const first = await given.message(owner, group, 'first words');
    await service(ConversationsService).update({ ...owner, requestId: null }, group, { title: 'renamed while the first message was the newest' });
    await service(MessagesService).edit(owner, group, first, { content: 'second words' });
    await service(MessagesService).edit(owner, group, first, { content: 'third words' });
    const gone = await given.message(member, group, 'regrettable words');
    await service(ConversationsService).update({ ...owner, requestId: null }, group, { title: 'renamed again' });
    await service(MessagesService).remove(owner, group, gone);

    for (const user of [owner, member]) {
      const text = JSON.stringify(await everything(user));
      expect(text).not.toMatch(/first words|second words|regrettable words/);
      expect(text).toContain('third words');
    }
  });
});
