import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { dropClearedIdleTimer } from '../../src/realtime/socket-io.adapter.js';
import { conversationRoom, interned, sharedConversationRoom } from '../../src/realtime/rooms.js';

describe('what an idle socket holds', () => {
  describe('interned', () => {
    it.each(['', '0', '42', '__proto__', 'constructor', 'conversation:0f8fad5b-d9cb-469f-a165-70867728950e', 'é💬'])(
      'answers a string equal to %j',
      (value) => {
        expect(interned(value)).toBe(value);
        expect(typeof interned(value)).toBe('string');
      },
    );

    it('names a conversation room as conversationRoom does', () => {
      expect(sharedConversationRoom('abc')).toBe(conversationRoom('abc'));
    });
  });

  describe('dropClearedIdleTimer', () => {
    const timerOf = (socket: Socket) => {
      const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'timeout');
      return key && (socket as unknown as Record<symbol, unknown>)[key];
    };

    async function withSocket(run: (socket: Socket) => void | Promise<void>) {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      const client = connect(port, '127.0.0.1');
      const [socket] = (await once(server, 'connection')) as [Socket];
      try {
        await run(socket);
      } finally {
        client.destroy();
        socket.destroy();
        server.close();
      }
    }

    it('lets go of the timer Node keeps after setTimeout(0)', () =>
      withSocket((socket) => {
        socket.setTimeout(60_000);
        socket.setTimeout(0);
        expect(timerOf(socket)).toBeTruthy();
        dropClearedIdleTimer(socket);
        expect(timerOf(socket)).toBeNull();
        // The socket still takes a new timeout afterwards.
        socket.setTimeout(60_000);
        expect(timerOf(socket)).toBeTruthy();
      }));

    it('leaves a running timeout alone, and takes no socket at all', () =>
      withSocket((socket) => {
        socket.setTimeout(60_000);
        const running = timerOf(socket);
        dropClearedIdleTimer(socket);
        expect(timerOf(socket)).toBe(running);
        expect(() => dropClearedIdleTimer(undefined)).not.toThrow();
      }));
  });
});
