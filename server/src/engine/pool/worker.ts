/** Pool worker: runs each task the pool sends (taskRunner.ts) and replies with its outcome. */
import { parentPort, threadId } from 'node:worker_threads';
import { runTask } from './taskRunner';
import type { TaskReply, WorkerTask } from './workerMessages';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

port.on('message', (task: WorkerTask) => {
  const reply: TaskReply = { id: task.id, worker: threadId, outcome: runTask(task) };
  port.postMessage(reply);
});
