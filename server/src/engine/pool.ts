import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NewTask, TaskReply, WorkerTask } from './workerMessages';

type Pending = { resolve: (reply: TaskReply) => void; reject: (err: Error) => void };

interface Slot {
  worker: Worker;
  busy: (Pending & { id: number }) | undefined;
}

/**
 * A fixed-size set of workers (compression and decoding) shared by every job of a process, so that two jobs
 * never oversubscribe the cores. Tasks queue FIFO; workers start on first use and restart if one
 * dies (its task fails, the others go on).
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Array<{ task: WorkerTask } & Pending> = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly workerPath = path.join(__dirname, 'worker.js'),
  ) {
    if (!(size >= 1)) throw new RangeError('a pool needs at least one worker');
  }

  /** Runs one task; input and output buffers are transferred to the worker and back. */
  run(task: NewTask): Promise<TaskReply> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ } as WorkerTask, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts up to `count` workers now, so their start-up overlaps the job's first reads. */
  warm(count: number): void {
    while (!this.closed && this.slots.length < Math.min(count, this.size)) this.spawn();
  }

  /** Workers started so far (they start lazily). */
  get started(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.queue.splice(0)) item.reject(new Error('worker pool closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const item = this.queue.shift()!;
      slot.busy = { id: item.task.id, resolve: item.resolve, reject: item.reject };
      slot.worker.ref();
      slot.worker.postMessage(item.task, [item.task.input, item.task.output]);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerPath);
    const slot: Slot = { worker, busy: undefined };
    worker.on('message', (reply: TaskReply) => {
      const busy = slot.busy;
      slot.busy = undefined;
      // Idle workers must not keep a CLI process alive; busy ones must.
      slot.worker.unref();
      if (busy && busy.id === reply.id) busy.resolve(reply);
      this.dispatch();
    });
    const fail = (err: Error): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.busy?.reject(err);
      slot.busy = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (err) => fail(new Error(`worker crashed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
