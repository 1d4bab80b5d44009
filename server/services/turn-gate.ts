/**
 * Lets `perTurn` callers through per event-loop turn, in arrival order:
 * the others continue in later turns (setImmediate), with the I/O that
 * came in meanwhile handled in between.
 */
export class TurnGate {
  private readonly perTurn: number;
  private left: number;
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(perTurn: number) {
    this.perTurn = perTurn;
    this.left = perTurn;
  }

  /** Resolves in this turn while it has room, else in a later one. */
  pass(): Promise<void> {
    this.schedule();
    if (this.left > 0 && this.waiting.length === 0) {
      this.left -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Callers waiting for a later turn (tests). */
  get queued(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const now = this.waiting.splice(0, this.perTurn);
      this.left = this.perTurn - now.length;
      for (const resolve of now) resolve();
      // An immediate set while immediates run waits for the next turn: I/O is polled first.
      if (this.waiting.length > 0 || this.left < this.perTurn) this.schedule();
    });
  }
}
