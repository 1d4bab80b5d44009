// A raw WebSocket relay for the fan-out comparison (scripts/bench-realtime.ts):
// whatever a client sends is sent as is to every other connected client.
// No rooms, no acks, no parsing: the floor of what a fan-out can cost.
import { WebSocketServer, type WebSocket } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const clients = new Set<WebSocket>();
server.on('connection', (socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('message', (data, binary) => {
    for (const other of clients) if (other !== socket) other.send(data, { binary });
  });
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address) process.stdout.write(`relay listening on ${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
