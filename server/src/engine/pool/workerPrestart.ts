/**
 * Workers started before any pool exists, for the first pool to adopt. A Node worker takes 30-40 ms
 * to boot here, and the CLI's modules take 15-25 ms to load after Node has started, while the
 * other core idles: the CLI starts the workers its job will want first thing (cli/main.ts).
 */
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../lazyBuiltins';

interface Prestarted {
  path: string;
  worker: Worker;
  dead: boolean;
  drop: () => void;
}

const waiting: Prestarted[] = [];

/** Starts `count` workers of `workerPath`; they keep no process alive until adopted. */
export function prestartWorkers(workerPath: string, count: number): void {
  for (let i = 0; i < count; i++) {
    // Until adopted, a crash must not take the process down: the pool then starts a fresh worker.
    const entry: Prestarted = {
      path: workerPath,
      worker: new (workerThreads().Worker)(workerPath),
      dead: false,
      drop: () => void (entry.dead = true),
    };
    entry.worker.on('error', entry.drop).on('exit', entry.drop).unref();
    waiting.push(entry);
  }
}

/** A live prestarted worker of `workerPath`, now the caller's; undefined when none is left. */
export function adoptPrestarted(workerPath: string): Worker | undefined {
  for (let i = waiting.findIndex((e) => e.path === workerPath); i >= 0; ) {
    const [entry] = waiting.splice(i, 1);
    entry.worker.off('error', entry.drop).off('exit', entry.drop);
    if (!entry.dead) return entry.worker;
    i = waiting.findIndex((e) => e.path === workerPath);
  }
  return undefined;
}

/** Prestarted workers not adopted yet. */
export function prestartedCount(): number {
  return waiting.filter((e) => !e.dead).length;
}
