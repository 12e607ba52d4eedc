import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { hostable, runTask } from './taskRunner';
import { adoptPrestarted } from './workerPrestart';
import { workerThreads } from '../lazyBuiltins';
import type { NewTask, TaskReply, WorkerTask } from './workerMessages';

/**
 * Tasks a worker may hold at once: the one it runs and the next, already in its message queue, so
 * it starts that one without waiting for the main thread to answer its reply (a round trip of
 * 0.7 ms median, 2 ms at p90, on this 2-vCPU VM; 5% of the workers' time with 4 MiB chunks).
 */
export const TASKS_PER_WORKER = 2;

/**
 * The thread the host lane runs on: the main thread's threadId, where pools are made. Not asked of
 * worker_threads, whose loading brings crypto and web streams with it (3-4 ms of a CLI's cat).
 */
export const HOST_THREAD = 0;

/** One job's share of the pool: its tasks run on at most `lanes` workers at once. */
export interface TaskGroup {
  readonly lanes: number;
}

export interface PoolOptions {
  /** The worker script (tests use tsc's output); dist/worker.js beside this bundle by default. */
  workerPath?: string;
  /**
   * Run the tasks of one-lane jobs in the calling thread when they are short (taskRunner's
   * `hostable`): a small input then starts no worker at all (about 45 ms each here). For the CLI
   * only: a task blocks the event loop while it runs, which the VS Code helper must never do. Jobs
   * of more lanes stay on the workers: a thread that blocks for a task at a time cannot keep them
   * fed (tried: they then waited for work 10-20% of the time).
   */
  hostLane?: boolean;
}

type Pending = { resolve: (reply: TaskReply) => void; reject: (err: Error) => void };
type Held = Pending & { task: WorkerTask; group: TaskGroup | undefined };

interface Slot {
  worker: Worker;
  /** Sent and not yet answered. */
  held: Held[];
}

/**
 * A fixed-size set of workers (compression and decoding) shared by every job of a process, so that
 * two jobs never oversubscribe the cores. Tasks queue FIFO, go to an idle worker first and then, up
 * to TASKS_PER_WORKER, to a worker already running the same group; a group never spreads over more
 * than its lanes. Workers start on first use and restart if one dies (its tasks fail, the others
 * go on). Optionally, one-lane jobs run on the host lane instead (PoolOptions).
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  /** The host lane's tasks: the one it runs, then those waiting for it. */
  private readonly host: Held[] | undefined;
  private hostRunning = false;
  private readonly queue: Held[] = [];
  private readonly workerPath: string;
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    options: PoolOptions = {},
  ) {
    if (!(size >= 1)) throw new RangeError('a pool needs at least one worker');
    this.workerPath = options.workerPath ?? path.join(__dirname, 'worker.js');
    if (options.hostLane) this.host = [];
  }

  /**
   * Runs one task of `group` (or of no group: any worker); its buffers are shared memory, which
   * the worker uses in place.
   */
  run(task: NewTask, group?: TaskGroup): Promise<TaskReply> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ } as WorkerTask, group, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts the workers of a job of `lanes` lanes now, so that their start-up overlaps its first
   * reads; none for one lane when the host lane takes it.
   */
  warm(lanes: number): void {
    if (this.host && lanes <= 1) return;
    while (!this.closed && this.slots.length < Math.min(lanes, this.size)) this.spawn();
  }

  /** Workers started so far (they start lazily). */
  get started(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const closed = new Error('worker pool closed');
    for (const item of this.queue.splice(0)) item.reject(closed);
    for (const item of this.host?.splice(0) ?? []) item.reject(closed);
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (let i = 0; i < this.queue.length; ) {
      const item = this.queue[i];
      if (this.host && item.group?.lanes === 1 && hostable(item.task)) {
        this.queue.splice(i, 1);
        this.host.push(item);
        this.runOnHost();
        continue;
      }
      const slot = this.placeFor(item.group);
      if (!slot) {
        i++; // this group waits for its lanes; tasks of other groups may still go
        continue;
      }
      this.queue.splice(i, 1);
      slot.held.push(item);
      slot.worker.ref();
      slot.worker.postMessage(item.task);
    }
  }

  /** The worker for a task of `group`: an idle one, else the least loaded one it may use. */
  private placeFor(group: TaskGroup | undefined): Slot | undefined {
    const onGroup = (slot: Slot): boolean => slot.held.some((h) => h.group === group);
    const mayWiden = group === undefined || this.slots.filter(onGroup).length < group.lanes;
    if (mayWiden) {
      const idle = this.slots.find((slot) => slot.held.length === 0);
      if (idle) return idle;
      if (this.slots.length < this.size) return this.spawn();
    }
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.held.length >= TASKS_PER_WORKER || !(mayWiden || onGroup(slot))) continue;
      if (!best || slot.held.length < best.held.length) best = slot;
    }
    return best;
  }

  /**
   * Runs the host lane's tasks in order, one per turn of the event loop, so that I/O callbacks
   * (the job's reads and writes) are handled between two tasks.
   */
  private runOnHost(): void {
    const host = this.host;
    if (!host || this.hostRunning || host.length === 0) return;
    this.hostRunning = true;
    setImmediate(() => {
      this.hostRunning = false;
      const item = host.shift();
      if (this.closed || !item) return;
      item.resolve({ id: item.task.id, worker: HOST_THREAD, outcome: runTask(item.task) });
      this.runOnHost();
    });
  }

  private spawn(): Slot {
    const worker = adoptPrestarted(this.workerPath) ?? new (workerThreads().Worker)(this.workerPath);
    const slot: Slot = { worker, held: [] };
    worker.on('message', (reply: TaskReply) => {
      const index = slot.held.findIndex((h) => h.task.id === reply.id);
      const [done] = index >= 0 ? slot.held.splice(index, 1) : [];
      // Idle workers must not keep a CLI process alive; busy ones must.
      if (slot.held.length === 0) worker.unref();
      done?.resolve(reply);
      this.dispatch();
    });
    const fail = (err: Error): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      for (const held of slot.held.splice(0)) held.reject(err);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (err) => fail(new Error(`worker crashed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
