/**
 * The folders part of `npm run bench`: the kernel source tree (the corpus tar, unpacked once into
 * .bench-cache/tree) packed by `chunkpress compress DIR` and by tar piped into pzstd and zstd, side
 * by side; then one member read back (`chunkpress cat` against `tar --zstd -xOf`) and the listing.
 */
import * as path from 'node:path';

export interface TreeContender {
  key: string;
  name: string;
  shell: string;
  output: string;
  /** Where the contender writes its own time, when the process's wall time is not it. */
  secondsFile?: string;
}

export interface TreeRun {
  name: string;
  seconds: number;
  peakRssMiB: number;
  outputBytes: number;
}

/** Paths inside the tree's parent folder, where every contender runs (members are stored as `linux-source-6.1/...`). */
export function treeContenders(tree: string, work: string, cli: string, threads: number): TreeContender[] {
  const q = JSON.stringify;
  const parent = path.dirname(tree);
  const name = path.basename(tree);
  const out = (file: string): string => path.resolve(work, file);
  const inParent = (shell: string): string => `cd ${q(parent)} && ${shell}`;
  return [
    {
      key: 'treeSingle',
      name: 'tar -cf - | zstd -3 --single-thread',
      shell: inParent(`tar -cf - ${q(name)} | zstd -q -3 --single-thread -c > ${q(out('tree-single.tar.zst'))}`),
      output: out('tree-single.tar.zst'),
    },
    {
      key: 'treePzstd',
      name: 'tar -cf - | pzstd -3 -p 2',
      shell: inParent(`tar -cf - ${q(name)} | pzstd -q -3 -p ${threads} -c > ${q(out('tree-pzstd.tar.zst'))}`),
      output: out('tree-pzstd.tar.zst'),
    },
    {
      key: 'treeTarZstd',
      name: "tar -I 'zstd -3 -T2' -cf",
      shell: inParent(`tar -I 'zstd -3 -T${threads}' -cf ${q(out('tree-tar.tar.zst'))} ${q(name)}`),
      output: out('tree-tar.tar.zst'),
    },
    {
      key: 'treeChunkpress',
      name: 'chunkpress compress DIR -T 2',
      // The Debian package's top .gitignore ignores everything ("/*"): tar does not read it either.
      shell: inParent(
        `${q(cli)} compress -q -f -l 3 -T ${threads} --no-gitignore ${q(name)} -o ${q(out('tree-cp.tar.zst'))}`,
      ),
      output: out('tree-cp.tar.zst'),
    },
  ];
}

/** One member read back, and the listing: the whole process each time, Node's start included. */
export function readContenders(tree: string, work: string, cli: string): TreeContender[] {
  const q = JSON.stringify;
  const member = `${path.basename(tree)}/Makefile`;
  return [
    {
      key: 'catTar',
      name: `tar --zstd -xOf (tar | zstd -3 archive) ${member}`,
      shell: `tar --zstd -xOf ${q(path.resolve(work, 'tree-single.tar.zst'))} ${q(member)} > /dev/null`,
      output: '',
    },
    {
      key: 'catChunkpress',
      name: `chunkpress cat ${member}`,
      shell: `${q(cli)} cat ${q(path.resolve(work, 'tree-cp.tar.zst'))} ${q(member)} > /dev/null`,
      output: '',
    },
    {
      key: 'listChunkpress',
      name: 'chunkpress list',
      shell: `${q(cli)} list ${q(path.resolve(work, 'tree-cp.tar.zst'))} > /dev/null`,
      output: '',
    },
    {
      key: 'listTar',
      name: 'tar --zstd -tvf (tar | zstd -3 archive)',
      shell: `tar --zstd -tvf ${q(path.resolve(work, 'tree-single.tar.zst'))} > /dev/null`,
      output: '',
    },
  ];
}

export function treeReport(runs: Record<string, TreeRun>): { rows: Array<Record<string, string>>; targets: string[] } {
  const pz = runs.treePzstd;
  const rows = ['treeChunkpress', 'treePzstd', 'treeTarZstd', 'treeSingle'].map((key) => {
    const r = runs[key];
    return {
      contender: r.name.replace(/\|/g, '\\|'),
      seconds: r.seconds.toFixed(2),
      'speed vs tar | pzstd': (pz.seconds / r.seconds).toFixed(2),
      'size vs tar | zstd -3': (r.outputBytes / runs.treeSingle.outputBytes).toFixed(4),
      'peak RSS MiB': r.peakRssMiB.toFixed(0),
    };
  });
  for (const key of ['catChunkpress', 'catTar', 'listChunkpress', 'listTar'])
    rows.push({
      contender: runs[key].name.replace(/\|/g, '\\|'),
      seconds: runs[key].seconds.toFixed(3),
      'speed vs tar | pzstd': '-',
      'size vs tar | zstd -3': '-',
      'peak RSS MiB': runs[key].peakRssMiB.toFixed(0),
    });
  const cp = runs.treeChunkpress;
  const targets = [
    `folder, wall time vs tar | pzstd -p 2: ${(pz.seconds / cp.seconds).toFixed(2)}x (target >= 1.00); vs tar -I 'zstd -T2': ${(runs.treeTarZstd.seconds / cp.seconds).toFixed(2)}x`,
    `folder, size vs tar | zstd -3 single stream: ${(cp.outputBytes / runs.treeSingle.outputBytes).toFixed(4)}x (target <= 1.02)`,
    `folder, peak RSS: ${cp.peakRssMiB.toFixed(0)} MiB (target <= 200)`,
    `one member: chunkpress cat ${(runs.catChunkpress.seconds * 1000).toFixed(0)} ms, ${(runs.catTar.seconds / runs.catChunkpress.seconds).toFixed(1)}x faster than tar --zstd -xOf (target >= 20)`,
    `chunkpress list: ${(runs.listChunkpress.seconds * 1000).toFixed(0)} ms (target <= 300)`,
  ];
  return { rows, targets };
}
