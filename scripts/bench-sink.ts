// UDP sinks for scripts/bench.ts, in their own process so that receiving
// does not compete with the mediasoup worker's event loop: opens sockets on
// request, counts the RTP packets (not RTCP) each receives, reports totals.
//
//   parent → { type: 'open', count }      child → { type: 'opened', ports }
//   parent → { type: 'snapshot' }         child → { type: 'snapshot', rtp, marked, cpuMs }
//
// `marked` counts packets with the RTP marker bit, which the bench sets on
// the packets of a measurement window (the header is not encrypted by SRTP).
import dgram from 'node:dgram';

type Message = { type: 'open'; count: number } | { type: 'snapshot' } | { type: 'close' };

const sockets: dgram.Socket[] = [];
let rtp = 0;
let marked = 0;

/** RTCP packet types 192-223; RTP with payload type ≥ 96 never falls there, marker bit or not. */
function isRtcp(packet: Buffer): boolean {
  const type = packet[1] ?? 0;
  return type >= 192 && type <= 223;
}

async function open(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    socket.on('message', (packet) => {
      if (isRtcp(packet)) return;
      rtp += 1;
      if ((packet[1] ?? 0) & 0x80) marked += 1;
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    sockets.push(socket);
    ports.push(socket.address().port);
  }
  return ports;
}

process.on('message', (message: Message) => {
  if (message.type === 'open') {
    void open(message.count).then((ports) => process.send?.({ type: 'opened', ports }));
  } else if (message.type === 'snapshot') {
    const usage = process.resourceUsage();
    process.send?.({ type: 'snapshot', rtp, marked, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 });
  } else {
    for (const socket of sockets) socket.close();
    process.exit(0);
  }
});
