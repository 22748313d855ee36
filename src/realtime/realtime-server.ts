import { Injectable } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './events.map.js';

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * The Socket.IO server, handed over by the gateway once it exists, for the services that emit (delivery,
 * presence, typing) without depending on the gateway itself. Emitting through the server goes through its
 * adapter, so with Redis it reaches the sockets of every instance.
 */
@Injectable()
export class RealtimeServer {
  private current: ChatServer | null = null;

  attach(server: ChatServer) {
    this.current = server;
  }

  /** null before the gateway started or after it stopped: there is nobody to emit to. */
  get server(): ChatServer | null {
    return this.current;
  }

  detach() {
    this.current = null;
  }
}
