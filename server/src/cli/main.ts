/**
 * `chunkpress`, the bundle's entry. Before loading the engine and the commands it starts the
 * workers the command will want, so that their boot overlaps that loading (20-30 ms of a run).
 */
import * as path from 'node:path';
import { parseCli } from './args';
import { lanesAhead } from './prestart';
import { BROKEN_PIPE_STATUS, pipeBroken, stdoutFailure, watchStdio } from './stdio';
import { defaultSystem } from '../engine/io/system';
import { prestartWorkers } from '../engine/pool/workerPrestart';

const argv = process.argv.slice(2);
try {
  const args = parseCli(argv);
  if (typeof args === 'object')
    prestartWorkers(path.join(__dirname, 'worker.js'), lanesAhead(args, defaultSystem.cores));
} catch {
  // A usage error: main reports it.
}
watchStdio();
// Loaded only now, after the workers have started.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('./commands') as typeof import('./commands');
void main(argv).then((code) => {
  process.exitCode = code;
});
// At exit rather than when main returns: a failed write's 'error' event comes a tick later.
process.on('exit', () => {
  const stdoutFailed = stdoutFailure();
  if (pipeBroken()) process.exitCode = BROKEN_PIPE_STATUS;
  else if (process.exitCode === 0 && stdoutFailed !== undefined) {
    process.stderr.write(`chunkpress: ${stdoutFailed}\n`);
    process.exitCode = 1;
  }
});
