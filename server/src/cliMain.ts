/**
 * `chunkpress`, the bundle's entry. Before loading the engine and the commands it starts the
 * workers the command will want, so that their boot overlaps that loading (20-30 ms of a run).
 */
import * as path from 'node:path';
import { parseCli } from './cliArgs';
import { lanesAhead } from './cliPrestart';
import { defaultSystem } from './engine/system';
import { prestartWorkers } from './engine/workerPrestart';

const argv = process.argv.slice(2);
try {
  const args = parseCli(argv);
  if (typeof args === 'object')
    prestartWorkers(path.join(__dirname, 'worker.js'), lanesAhead(args, defaultSystem.cores));
} catch {
  // A usage error: main reports it.
}
// Loaded only now, after the workers have started.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('./cli') as typeof import('./cli');
void main(argv).then((code) => {
  process.exitCode = code;
});
