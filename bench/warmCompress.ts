/**
 * One compression as the VS Code helper runs it: in a process whose worker pool is already up,
 * since the helper starts once and serves every job. Node's start-up and the workers' boot (about
 * 0.1 s of a CLI run) are then not part of the job; everything else is, the fsync and the rename
 * included. Writes the job's seconds to SECONDS_FILE.
 *
 *   node out/bench/warmCompress.js INPUT OUTPUT SECONDS_FILE
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compress } from '../server/src/engine/compress';
import { WorkerPool } from '../server/src/engine/pool';

const [input, output, secondsFile] = process.argv.slice(2);
if (!input || !output || !secondsFile) throw new Error('usage: warmCompress.js INPUT OUTPUT SECONDS_FILE');
const options = { level: 3, chunkSize: 4 << 20, threads: 2 };

async function main(): Promise<void> {
  const pool = new WorkerPool(2);
  try {
    // A first, small job boots both workers and their zstd contexts, as the helper's first job did.
    const warmUp = path.join(path.dirname(output), `.warm-up-${process.pid}`);
    const head = Buffer.alloc(3 * options.chunkSize);
    const fd = fs.openSync(input, 'r');
    fs.writeFileSync(warmUp, head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)));
    fs.closeSync(fd);
    await compress({
      input: { kind: 'file', path: warmUp },
      output: { kind: 'file', path: `${warmUp}.zst`, overwrite: true },
      options,
      pool,
    });
    fs.rmSync(warmUp);
    fs.rmSync(`${warmUp}.zst`);
    const started = performance.now();
    await compress({
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: output, overwrite: true },
      options,
      pool,
    });
    fs.writeFileSync(secondsFile, `${(performance.now() - started) / 1000}\n`);
  } finally {
    await pool.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
