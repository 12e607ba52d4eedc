/** A counting semaphore whose waiters can all be released with an error when a job fails. */
export class Semaphore {
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private broken: Error | undefined;

  constructor(private available: number) {}

  async acquire(): Promise<void> {
    if (this.broken) throw this.broken;
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.resolve();
    else this.available++;
  }

  /** Fails every current and future acquire with `err`. */
  break(err: Error): void {
    this.broken = err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }
}

/** A FIFO whose consumer awaits items; `close` ends it. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | undefined) => void) | undefined;
  private closed = false;

  push(item: T): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(item);
    } else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    this.waiter?.(undefined);
    this.waiter = undefined;
  }

  /** The next item, or undefined once closed and drained. */
  next(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
