/**
 * The archive-reading part of `npm run bench`, on the kernel tree's archives that treeBench.ts
 * made: extracting everything (`chunkpress extract` against `tar --zstd -xf` and `pzstd -d | tar -x`,
 * into a tmpfs when there is one, so that the VM's disk writeback does not decide), a content
 * search (`chunkpress grep -c -F` against `tar --zstd -xOf | grep -c -F`), and opening members
 * the way a mounted archive does (in the helper's own code, one cold frame each).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InspectionCache } from '../server/src/inspections';
import { MemberReads } from '../server/src/memberReads';
import { MemberTrees } from '../server/src/memberTrees';
import { WorkerPool } from '../server/src/engine/pool/pool';
import type { TreeContender, TreeRun } from './treeBench';

/** A fixed string found in many kernel files. */
export const SEARCH_TEXT = 'EXPORT_SYMBOL_GPL';

/** Where extraction writes: a tmpfs if the machine has one with room, else beside the archives. */
export function extractionRoot(work: string): string {
  try {
    const s = fs.statfsSync('/dev/shm');
    if (s.bavail * s.bsize > 8 * 2 ** 30) return fs.mkdtempSync('/dev/shm/chunkpress-bench-');
  } catch {
    // No /dev/shm here.
  }
  return fs.mkdtempSync(path.join(work, 'extract-'));
}

export function archiveContenders(work: string, into: string, cli: string, threads: number): TreeContender[] {
  const q = JSON.stringify;
  const archive = (file: string): string => q(path.resolve(work, file));
  // Each run starts from an empty folder, and times only its extraction.
  const timedInto = (key: string, command: (dir: string) => string): { shell: string; secondsFile: string } => {
    const dir = q(path.join(into, key));
    const seconds = path.join(work, `${key}.seconds`);
    return {
      shell: `rm -rf ${dir} && mkdir -p ${dir} && s=$(date +%s%N) && ${command(dir)} && e=$(date +%s%N) && awk "BEGIN { print ($e - $s) / 1e9 }" > ${q(seconds)}`,
      secondsFile: seconds,
    };
  };
  return [
    {
      key: 'extractChunkpress',
      name: `chunkpress extract -T ${threads}`,
      ...timedInto('cp', (dir) => `${q(cli)} extract -q -T ${threads} ${archive('tree-cp.tar.zst')} -C ${dir}`),
      output: '',
    },
    {
      key: 'extractTar',
      name: 'tar --zstd -xf',
      ...timedInto('tar', (dir) => `tar --zstd -xf ${archive('tree-cp.tar.zst')} -C ${dir}`),
      output: '',
    },
    {
      key: 'extractPzstd',
      name: `pzstd -d -p ${threads} | tar -x`,
      ...timedInto(
        'pzstd',
        (dir) => `pzstd -q -d -p ${threads} -c ${archive('tree-pzstd.tar.zst')} | tar -x -C ${dir}`,
      ),
      output: '',
    },
    {
      key: 'grepChunkpress',
      name: `chunkpress grep -c -F ${SEARCH_TEXT}`,
      shell: `${q(cli)} grep -c -F ${SEARCH_TEXT} -T ${threads} ${archive('tree-cp.tar.zst')} > /dev/null`,
      output: '',
    },
    {
      key: 'grepTar',
      name: `tar --zstd -xOf | grep -c -F ${SEARCH_TEXT}`,
      shell: `tar --zstd -xOf ${archive('tree-single.tar.zst')} | grep -c -F ${SEARCH_TEXT} > /dev/null`,
      output: '',
    },
  ];
}

/**
 * Members opened as the mounted folder opens them (the helper's MemberReads, its index loaded
 * once): each from a frame not read before, so every one is decoded. Milliseconds: median and worst.
 */
export async function timeMemberOpens(archive: string, count = 40): Promise<{ medianMs: number; worstMs: number }> {
  const pool = new WorkerPool(2);
  try {
    const inspections = new InspectionCache();
    const trees = new MemberTrees(pool);
    const reads = new MemberReads(trees, inspections, pool);
    const tree = await trees.get(archive);
    await inspections.get(archive);
    // Files spread over the archive: every nth, so that no two share a frame.
    const files = tree.files();
    const picked = Array.from({ length: count }, (_, i) => files[Math.floor(((i + 0.5) * files.length) / count)]);
    const times: number[] = [];
    for (const member of picked) {
      const started = performance.now();
      await reads.read(archive, member);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { medianMs: times[Math.floor(times.length / 2)], worstMs: times[times.length - 1] };
  } finally {
    await pool.close();
  }
}

/** Throws unless the two trees hold the same bytes, types, modes, mtimes (to the second) and link targets. */
export function sameTree(a: string, b: string): void {
  execFileSync('diff', ['-r', '--no-dereference', a, b], { stdio: 'ignore' });
  const list = (dir: string): string =>
    execFileSync(
      'bash',
      // -mindepth 1: the folder extracted into is not the archive's (its mtime is the extraction's).
      ['-c', `cd ${JSON.stringify(dir)} && find . -mindepth 1 -printf '%P %y %m %s %Ts %l\\n' | LC_ALL=C sort`],
      {
        maxBuffer: 1 << 30,
      },
    )
      .toString()
      .replace(/ d \d+ /g, ' d - '); // a folder's size is the file system's
  if (list(a) !== list(b)) throw new Error(`${a} and ${b} differ in types, modes, mtimes or links`);
}

export function archiveTargets(runs: Record<string, TreeRun>, opens: { medianMs: number; worstMs: number }): string[] {
  const cp = runs.extractChunkpress.seconds;
  return [
    `extract all: chunkpress ${cp.toFixed(2)} s, ${(runs.extractTar.seconds / cp).toFixed(2)}x tar --zstd -xf (target >= 1.3), ${(runs.extractPzstd.seconds / cp).toFixed(2)}x pzstd -d | tar -x (target >= 1.0); peak RSS ${runs.extractChunkpress.peakRssMiB.toFixed(0)} MiB`,
    `open a member of the mounted archive, in the helper: median ${opens.medianMs.toFixed(1)} ms, worst ${opens.worstMs.toFixed(1)} ms of 40 cold frames (target <= 20 ms)`,
    `search for a fixed string: chunkpress grep -c ${runs.grepChunkpress.seconds.toFixed(2)} s, ${(runs.grepTar.seconds / runs.grepChunkpress.seconds).toFixed(2)}x tar --zstd -xOf | grep -c (target >= 1.5)`,
  ];
}
