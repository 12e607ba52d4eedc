/**
 * One compression as the VS Code helper runs it: in a process whose worker pool is already up,
 * since the helper starts once and serves every job. Node's start-up and the workers' boot (about
 * 0.1 s of a CLI run) are then not part of the job; everything else is, the fsync and the rename
 * included. Writes the job's seconds to SECONDS_FILE. Level 3, 4 MiB chunks (the bench checks the
 * archive against the CLI's), on THREADS workers.
 *
 *   node out/bench/warmCompress.js INPUT OUTPUT SECONDS_FILE THREADS
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compress } from '../server/src/engine/compression/compress';
import { WorkerPool } from '../server/src/engine/pool/pool';

const [input, output, secondsFile, threadsText] = process.argv.slice(2);
const threads = Number(threadsText);
if (!input || !output || !secondsFile || !(threads >= 1))
  throw new Error('usage: warmCompress.js INPUT OUTPUT SECONDS_FILE THREADS');
const options = { level: 3, chunkSize: 4 << 20, threads };

async function main(): Promise<void> {
  const pool = new WorkerPool(threads);
  try {
    // A first, small job boots the workers and their zstd contexts, as the helper's first job did.
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
