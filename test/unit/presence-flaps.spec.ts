import { jest } from '@jest/globals';
import type { Gauge } from 'prom-client';
import type { AccessService } from '../../src/access/access.service.js';
import { RateLimits } from '../../src/common/rate-limits/rate-limits.service.js';
import { loadConfig } from '../../src/config/app-config.js';
import { PresenceService } from '../../src/realtime/presence.service.js';
import type { RealtimeServer } from '../../src/realtime/realtime-server.js';
import { MemorySharedState } from '../../src/shared-state/memory-shared-state.js';
import type { UsersRepository } from '../../src/users/users.repository.js';

/**
 * PresenceService against connect/disconnect loops, on a fake clock: the offline grace and the per-user
 * budget with its one announcement at the window's end (the e2e suite can't wait out a minute).
 */
describe('presence under flapping connections', () => {
  let state: MemorySharedState;
  let announced: Array<{ userId: string; online: boolean }>;

  beforeEach(() => {
    // Advancing with the real clock too: presence's batches wait out a 20 ms window before they run.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'], advanceTimers: true });
    state = new MemorySharedState();
    announced = [];
  });

  afterEach(async () => {
    await state.close();
    jest.useRealTimers();
  });

  function presence(env: Record<string, string>): PresenceService {
    const config = loadConfig({ NODE_ENV: 'test', ...env });
    const room = { except: () => ({ emit: (_event: string, payload: { userId: string; online: boolean }) => announced.push(payload) }) };
    const realtime = { server: { to: () => room } } as unknown as RealtimeServer;
    const access = { conversationIdsOfMany: async (ids: string[]) => ids.map(() => ['c1']) } as unknown as AccessService;
    const users = { lastSeenOfMany: async (ids: string[]) => ids.map(() => null), setLastSeenMany: async () => undefined } as unknown as UsersRepository;
    const gauge = { set: () => undefined } as unknown as Gauge<string>;
    return new PresenceService(state, realtime, access, users, gauge, new RateLimits(state, config), config);
  }

  const flap = async (service: PresenceService, times: number) => {
    for (let i = 0; i < times; i++) {
      await service.disconnected('ada');
      await service.connected('ada');
    }
  };

  it('announces nothing for reconnects within PRESENCE_OFFLINE_GRACE, and offline once the grace runs out', async () => {
    const service = presence({ PRESENCE_OFFLINE_GRACE: '5s' });
    await service.connected('ada');
    await flap(service, 50);
    expect(announced).toEqual([{ userId: 'ada', online: true, lastSeenAt: null }]);

    await service.disconnected('ada');
    await jest.advanceTimersByTimeAsync(4_999);
    expect(announced).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    // The grace is over, so this only waits for the update it started.
    await service.settled();
    expect(announced.map((event) => event.online)).toEqual([true, false]);
  });

  it('sends at most PRESENCE_EVENT_LIMIT a minute, then the state as it is when the minute ends, once', async () => {
    const service = presence({ PRESENCE_OFFLINE_GRACE: '0', PRESENCE_EVENT_LIMIT: '4' });
    await service.connected('ada');
    await flap(service, 20);
    await service.disconnected('ada');
    await service.settled();
    expect(announced.map((event) => event.online)).toEqual([true, false, true, false]);

    // The minute ends with ada offline: one announcement of that, not the 37 suppressed ones.
    await jest.advanceTimersByTimeAsync(60_000);
    await service.settled();
    expect(announced.map((event) => event.online)).toEqual([true, false, true, false, false]);

    // A new window, a new budget.
    await service.connected('ada');
    await service.settled();
    expect(announced.at(-1)).toMatchObject({ online: true });
  });

  it('ends every grace at shutdown, so nobody stays online after the process', async () => {
    const service = presence({ PRESENCE_OFFLINE_GRACE: '1h' });
    await service.connected('ada');
    await service.disconnected('ada');
    await service.settled();
    expect(announced.map((event) => event.online)).toEqual([true, false]);
  });
});
