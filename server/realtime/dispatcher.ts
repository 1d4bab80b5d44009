import type { PlenarySocket } from '../protocol/socket-types.ts';

/**
 * A handler module (session-handlers.ts, queue-handlers.ts ...): given a
 * socket, it registers its events on it with `on(socket, event, deps, fn)`
 * (ack.ts), which calls `socket.on(event, listener)`.
 */
export type HandlerModule<D> = (socket: PlenarySocket, deps: D) => void;

type Listener = (...args: unknown[]) => unknown;

/**
 * One dispatcher for every socket, instead of a closure per event per
 * socket (issue #10: about 45 listener closures and their contexts were
 * most of a connected socket's heap).
 *
 * Which module handles which event is learnt once, at start-up, by running
 * each module against a socket that only records `on` calls. Each socket
 * gets the same listener functions, one per event and process (they find
 * their socket as `this`), so Socket.IO's socket middlewares (`socket.use`)
 * still run before them. When an event arrives, its module is run again for
 * that socket through a view of it whose `on` hands back the listener
 * instead of registering it (every other property is the socket's own), and
 * the listener is called with the event's arguments.
 *
 * Contract for handler modules (all of them keep it): registering is all a
 * module does when called; state that outlives an event lives in
 * `socket.data` or in a service, not in the module's closure.
 */
export class SocketDispatcher<D> {
  private readonly byEvent = new Map<string, HandlerModule<D>>();
  /** The listener of each event, shared by every socket. */
  private readonly shared = new Map<string, Listener>();
  private readonly deps: D;

  constructor(deps: D, modules: readonly HandlerModule<D>[]) {
    this.deps = deps;
    for (const module of modules) {
      for (const event of eventsOf(module, deps)) {
        if (this.byEvent.has(event)) throw new Error(`two handler modules register the socket event "${event}"`);
        this.byEvent.set(event, module);
        const dispatcher = this;
        this.shared.set(event, function (this: PlenarySocket, ...args: unknown[]) {
          dispatcher.dispatch(this, event, args);
        });
      }
    }
  }

  /** A new socket: the shared listener of every event this dispatcher handles. */
  attach(socket: PlenarySocket): void {
    const target = socket as unknown as { on(event: string, listener: Listener): unknown };
    for (const [event, listener] of this.shared) target.on(event, listener);
  }

  /** The events some module handles. */
  get events(): ReadonlySet<string> {
    return new Set(this.byEvent.keys());
  }

  handles(event: string): boolean {
    return this.byEvent.has(event);
  }

  /**
   * Runs the handler of `event` for `socket` with the event's arguments
   * (payload, ack); false when no module handles it.
   */
  dispatch(socket: PlenarySocket, event: string, args: unknown[]): boolean {
    const module = this.byEvent.get(event);
    if (!module) return false;
    let listener: Listener | undefined;
    let registering = true;
    const view = new Proxy(socket, {
      get(target, prop) {
        if (prop === 'on' && registering) {
          return (name: string, fn: Listener) => {
            if (name === event) listener = fn;
            return view;
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as Listener).bind(target) : value;
      },
    });
    module(view, this.deps);
    registering = false;
    if (!listener) return false;
    void listener(...args);
    return true;
  }
}

/** The events a module registers, from a call against a socket that only records `on`. */
function eventsOf<D>(module: HandlerModule<D>, deps: D): string[] {
  const events: string[] = [];
  const recorder = {
    on(event: string) {
      events.push(event);
      return recorder;
    },
  };
  module(recorder as unknown as PlenarySocket, deps);
  return events;
}
