import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../server/protocol/socket-types.ts';

/** The browser's socket, typed by the same event maps as the server's (server/protocol/socket-types.ts). */
export type PlenaryClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
