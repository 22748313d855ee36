import type { AccessService } from '../../src/access/access.service.js';
import { HeavyWorkAdmission } from '../../src/common/concurrency/heavy-work-admission.js';
import type { SequencedEvent } from '../../src/events/chat-events.js';
import type { ChatSocket, RealtimeServer } from '../../src/realtime/realtime-server.js';
import { RoomSync } from '../../src/realtime/room-sync.service.js';

const USER = 'u1';
const GROUP = 'c1';

function event(position: number, type: 'conversation.updated' | 'conversation.removed' | 'message.created', conversationId = GROUP): SequencedEvent {
  const data = type === 'conversation.updated' ? { id: conversationId } : { conversationId };
  return {
    position: String(position),
    type,
    userId: type === 'message.created' ? null : USER,
    conversationId: type === 'message.created' ? conversationId : null,
    data,
    createdAt: new Date(),
  };
}

/** RoomSync over a fake access check (memberships read at `head`) and no Socket.IO server. */
async function roomSync(windows: Array<{ conversationId: string; joinedAt: bigint | null }>, head: bigint): Promise<RoomSync> {
  const access = { membershipWindows: async () => ({ windows, head }) } as unknown as AccessService;
  const rooms = new RoomSync(access, { server: null } as unknown as RealtimeServer, new HeavyWorkAdmission(10));
  await rooms.connect({ data: { userId: USER }, join: async () => undefined } as unknown as ChatSocket);
  return rooms;
}

describe('RoomSync: who may receive a conversation event, as this instance knows it', () => {
  it('delivers from the join on, stops at a removal from the stream, and opens a new window on a re-join', async () => {
    const rooms = await roomSync([{ conversationId: GROUP, joinedAt: 10n }], 20n);
    expect([5n, 10n, 11n, 21n].map((position) => rooms.mayReceive(USER, GROUP, position))).toEqual([false, false, true, true]);
    rooms.follow(event(25, 'conversation.removed'));
    expect(rooms.mayReceive(USER, GROUP, 26n)).toBe(false);
    rooms.follow(event(40, 'conversation.updated'));
    expect([30n, 40n, 41n].map((position) => rooms.mayReceive(USER, GROUP, position))).toEqual([false, false, true]);
  });

  it('ignores membership events the database read already reflects (at or below its head)', async () => {
    const rooms = await roomSync([{ conversationId: GROUP, joinedAt: 10n }], 50n);
    rooms.follow(event(30, 'conversation.removed'));
    expect(rooms.mayReceive(USER, GROUP, 51n)).toBe(true);
  });

  it('waits for the join event of a membership read before its event had a position', async () => {
    const rooms = await roomSync([{ conversationId: GROUP, joinedAt: null }], 20n);
    expect(rooms.mayReceive(USER, GROUP, 21n)).toBe(false);
    rooms.follow(event(22, 'conversation.updated'));
    expect([22n, 23n].map((position) => rooms.mayReceive(USER, GROUP, position))).toEqual([false, true]);
  });

  it('stops at once on a removal made on this instance, and lets no older update re-open it', async () => {
    const rooms = await roomSync([{ conversationId: GROUP, joinedAt: 10n }], 20n);
    rooms.onMembershipChanged({ conversationId: GROUP, addedUserIds: [], removedUserIds: [USER] });
    expect(rooms.mayReceive(USER, GROUP, 21n)).toBe(false);
    rooms.follow(event(24, 'conversation.updated')); // a rename announced just before the removal
    expect(rooms.mayReceive(USER, GROUP, 25n)).toBe(false);
    rooms.follow(event(26, 'conversation.removed'));
    rooms.follow(event(30, 'conversation.updated')); // added again
    expect(rooms.mayReceive(USER, GROUP, 31n)).toBe(true);
  });

  it('learns a new membership from the stream alone (another instance made it)', async () => {
    const rooms = await roomSync([], 20n);
    expect(rooms.mayReceive(USER, 'c2', 30n)).toBe(false);
    rooms.follow(event(25, 'conversation.updated', 'c2'));
    expect(rooms.mayReceive(USER, 'c2', 30n)).toBe(true);
    expect(rooms.mayReceive('someone else', 'c2', 30n)).toBe(false);
  });
});
