import { makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const WS_CONNECTIONS = 'chat_ws_connections';
export const ONLINE_USERS = 'chat_online_users';
export const EVENT_DELIVERY_SECONDS = 'chat_event_delivery_seconds';

export const realtimeMetrics = [
  makeGaugeProvider({ name: WS_CONNECTIONS, help: 'Socket.IO connections open on this instance' }),
  makeGaugeProvider({ name: ONLINE_USERS, help: 'Users with at least one socket on any instance (as this instance last counted)' }),
  makeHistogramProvider({
    name: EVENT_DELIVERY_SECONDS,
    help: "Seconds from a durable event's transaction (message sent, edited, …) to its emit to the sockets, by event type",
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
];
