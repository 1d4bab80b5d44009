import { describe, expect, it } from 'vitest';
import type { PlenarySocket } from '../protocol/socket-types.ts';
import { SocketDispatcher, type HandlerModule } from './dispatcher.ts';

// The live dispatcher (dispatcher.ts): one listener per socket; which module
// handles an event is learnt once; each event runs its module against the
// socket it came from.

type Fake = { id: string; data: { seen: string[] }; rooms: Set<string>; join(room: string): void };
const fake = (id: string): Fake => ({
  id,
  data: { seen: [] },
  rooms: new Set(),
  join(room: string) {
    this.rooms.add(room);
  },
});
const asSocket = (f: Fake) => f as unknown as PlenarySocket;

describe('SocketDispatcher', () => {
  it('runs the handler of each event against the socket that sent it, with its arguments', async () => {
    const calls: string[] = [];
    const greet: HandlerModule<{ prefix: string }> = (socket, deps) => {
      socket.on('greet' as never, ((name: string, ack: (reply: string) => void) => {
        calls.push(`${socket.id}:${name}`);
        (socket as unknown as Fake).data.seen.push(name);
        (socket as unknown as Fake).join(`room-${name}`);
        ack(`${deps.prefix} ${name}`);
      }) as never);
    };
    const dispatcher = new SocketDispatcher({ prefix: 'hello' }, [greet]);
    const a = fake('a');
    const b = fake('b');
    const replies: string[] = [];
    expect(dispatcher.dispatch(asSocket(a), 'greet', ['ann', (r: string) => replies.push(r)])).toBe(true);
    expect(dispatcher.dispatch(asSocket(b), 'greet', ['bob', (r: string) => replies.push(r)])).toBe(true);
    expect(calls).toEqual(['a:ann', 'b:bob']);
    expect(replies).toEqual(['hello ann', 'hello bob']);
    // State lands on the socket itself, and methods run bound to it.
    expect(a.data.seen).toEqual(['ann']);
    expect([...a.rooms]).toEqual(['room-ann']);
    expect([...b.rooms]).toEqual(['room-bob']);
  });

  it('keeps each socket apart across awaits when events of several sockets interleave', async () => {
    const release: (() => void)[] = [];
    const seen: string[] = [];
    const slow: HandlerModule<null> = (socket) => {
      socket.on('slow' as never, (async () => {
        await new Promise<void>((resolve) => release.push(resolve));
        seen.push(socket.id);
      }) as never);
    };
    const dispatcher = new SocketDispatcher(null, [slow]);
    for (const id of ['x', 'y', 'z']) dispatcher.dispatch(asSocket(fake(id)), 'slow', []);
    for (const r of release.reverse()) r();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual(['z', 'y', 'x']);
  });

  it('answers false for an event no module handles, and lists the events it does', () => {
    const one: HandlerModule<null> = (socket) => {
      socket.on('a' as never, (() => undefined) as never);
      socket.on('b' as never, (() => undefined) as never);
    };
    const dispatcher = new SocketDispatcher(null, [one]);
    expect(dispatcher.dispatch(asSocket(fake('s')), 'c', [])).toBe(false);
    expect([...dispatcher.events]).toEqual(['a', 'b']);
    expect(dispatcher.handles('b')).toBe(true);
  });

  it('refuses two modules that register the same event', () => {
    const first: HandlerModule<null> = (socket) => void socket.on('same' as never, (() => undefined) as never);
    const second: HandlerModule<null> = (socket) => void socket.on('same' as never, (() => undefined) as never);
    expect(() => new SocketDispatcher(null, [first, second])).toThrow(/two handler modules register the socket event "same"/);
  });
});
