import * as path from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { hostable, runTask } from './taskRunner';
import type { NewTask, TaskReply, WorkerTask } from './workerMessages';

/**
 * Tasks a worker may hold at once: the one it runs and the next, already in its message queue, so
 * it starts that one without waiting for the main thread to answer its reply (a round trip of
 * 0.7 ms median, 2 ms at p90, on this 2-vCPU VM; 5% of the workers' time with 4 MiB chunks).
 */
export const TASKS_PER_WORKER = 2;

/** One job's share of the pool: its tasks run on at most `lanes` lanes (workers or the host) at once. */
export interface TaskGroup {
  readonly lanes: number;
}

export interface PoolOptions {
  /** The worker script (tests use tsc's output); dist/worker.js beside this bundle by default. */
  workerPath?: string;
  /**
   * Also run short tasks (taskRunner's `hostable`) in the calling thread, as one more lane: a job
   * of one lane then starts no worker at all, and a job of two starts at once and boots one worker
   * instead of two (about 45 ms each here). For the CLI only: a task blocks the event loop while
   * it runs, which the VS Code helper must never do.
   */
  hostLane?: boolean;
}

/**
 * Tasks a lane may hold. The host lane takes one at a time: it needs no task waiting (nothing
 * crosses threads), and while it runs one it cannot answer the workers, so their queues, not its
 * own, must stay full.
 */
const capacity = (slot: Slot): number => (slot.worker ? TASKS_PER_WORKER : 1);

type Pending = { resolve: (reply: TaskReply) => void; reject: (err: Error) => void };
type Held = Pending & { task: WorkerTask; group: TaskGroup | undefined };

interface Slot {
  /** Undefined for the host lane. */
  worker: Worker | undefined;
  /** Booted and running tasks (the host lane always is). */
  online: boolean;
  /** Sent and not yet answered. */
  held: Held[];
}

/**
 * A fixed-size set of workers (compression and decoding) shared by every job of a process, so that
 * two jobs never oversubscribe the cores, plus optionally the host lane (the calling thread).
 * Tasks queue FIFO and go to a lane as `placeFor` picks it; a group never spreads over more than
 * its lanes. Workers start on first use and restart if one dies (its tasks fail, the others go on).
 */
export class WorkerPool {
  /** Workers, after the host lane when there is one. */
  private readonly slots: Slot[] = [];
  private readonly host: Slot | undefined;
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
    if (options.hostLane) {
      this.host = { worker: undefined, online: true, held: [] };
      this.slots.push(this.host);
    }
  }

  /**
   * Runs one task of `group` (or of no group: any lane); its buffers are shared memory, which the
   * worker uses in place.
   */
  run(task: NewTask, group?: TaskGroup): Promise<TaskReply> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ } as WorkerTask, group, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Readies `count` lanes now (the host lane counts as one), so that the workers' start-up
   * overlaps the job's first reads.
   */
  warm(count: number): void {
    while (!this.closed && this.started < Math.min(count - (this.host ? 1 : 0), this.size)) this.spawn();
  }

  /** Workers started so far (they start lazily). */
  get started(): number {
    return this.slots.length - (this.host ? 1 : 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    const closed = new Error('worker pool closed');
    for (const item of this.queue.splice(0)) item.reject(closed);
    for (const item of this.host?.held.splice(0) ?? []) item.reject(closed);
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker?.terminate()));
  }

  private dispatch(): void {
    for (let i = 0; i < this.queue.length; ) {
      const item = this.queue[i];
      const slot = this.placeFor(item);
      if (!slot) {
        i++; // this group waits for its lanes; tasks of other groups may still go
        continue;
      }
      this.queue.splice(i, 1);
      slot.held.push(item);
      if (slot.worker) {
        slot.worker.ref();
        slot.worker.postMessage(item.task);
      } else this.runOnHost();
    }
  }

  /**
   * The lane for `item`, first match: a worker that is up and idle; with a host lane, then one of
   * the group's workers that is up and has room (the host lane blocks its thread, which reads and
   * answers the workers, so it takes what the workers cannot); the host lane if idle; a starting
   * worker that is idle; a new worker; the least loaded lane with room.
   */
  private placeFor(item: Held): Slot | undefined {
    const { group } = item;
    const onGroup = (slot: Slot): boolean => slot.held.some((h) => h.group === group);
    const mayWiden = group === undefined || this.slots.filter(onGroup).length < group.lanes;
    const open = this.slots.filter(
      (slot) =>
        (slot.worker || hostable(item.task)) && slot.held.length < capacity(slot) && (mayWiden || onGroup(slot)),
    );
    const idle = (slot: Slot): boolean => slot.held.length === 0;
    const upWorkers = open.filter((slot) => slot.worker && slot.online);
    const pick =
      upWorkers.find(idle) ??
      (this.host ? leastLoaded(upWorkers.filter(onGroup)) : undefined) ??
      open.find((slot) => !slot.worker) ??
      open.find(idle);
    if (pick) return pick;
    if (mayWiden && this.started < this.size) return this.spawn();
    return leastLoaded(open);
  }

  /**
   * Runs the host lane's tasks one per turn of the event loop, so that I/O callbacks and the
   * workers' replies are handled between two tasks.
   */
  private runOnHost(): void {
    const host = this.host;
    if (!host || this.hostRunning || host.held.length === 0) return;
    this.hostRunning = true;
    setImmediate(() => {
      this.hostRunning = false;
      const item = host.held[0];
      if (this.closed || !item) return;
      const outcome = runTask(item.task);
      host.held.shift();
      item.resolve({ id: item.task.id, worker: threadId, outcome });
      this.dispatch();
      this.runOnHost();
    });
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerPath);
    const slot: Slot = { worker, online: false, held: [] };
    worker.once('online', () => {
      slot.online = true;
    });
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

function leastLoaded(slots: Slot[]): Slot | undefined {
  let best: Slot | undefined;
  for (const slot of slots) if (!best || slot.held.length < best.held.length) best = slot;
  return best;
}
