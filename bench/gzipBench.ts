/**
 * The gzip part of `npm run bench`: the corpus tar into gzip, by chunkpress (one member, pigz's
 * method; and BGZF blocks) against pigz -p 2, gzip and bgzip -@ 2, at level 6, side by side.
 */
import * as path from 'node:path';
import type { TreeContender, TreeRun } from './treeBench';

export function gzipContenders(corpus: string, work: string, cli: string, threads: number): TreeContender[] {
  const q = JSON.stringify;
  const out = (file: string): string => path.resolve(work, file);
  return [
    {
      key: 'pigz',
      name: `pigz -6 -p ${threads}`,
      shell: `pigz -6 -p ${threads} -c ${q(corpus)} > ${q(out('pigz.gz'))}`,
      output: out('pigz.gz'),
    },
    {
      // Chunkpress fsyncs an archive before it takes its name; this is pigz with the same guarantee.
      key: 'pigzSync',
      name: `pigz -6 -p ${threads}, then sync of its output`,
      shell: `pigz -6 -p ${threads} -c ${q(corpus)} > ${q(out('pigz-sync.gz'))} && sync ${q(out('pigz-sync.gz'))}`,
      output: out('pigz-sync.gz'),
    },
    {
      key: 'gzipSingle',
      name: `chunkpress --format gzip -l 6 -T ${threads}`,
      shell: `${q(cli)} compress -q -f --format gzip -l 6 -T ${threads} ${q(corpus)} -o ${q(out('cp.gz'))}`,
      output: out('cp.gz'),
    },
    {
      key: 'bgzip',
      name: `bgzip -@ ${threads} -l 6`,
      shell: `bgzip -@ ${threads} -l 6 -c ${q(corpus)} > ${q(out('bgzip.gz'))}`,
      output: out('bgzip.gz'),
    },
    {
      key: 'gzipBgzf',
      name: `chunkpress --format gzip --gzip-layout bgzf -l 6 -T ${threads}`,
      shell: `${q(cli)} compress -q -f --gzip-layout bgzf -l 6 -T ${threads} ${q(corpus)} -o ${q(out('cp-bgzf.gz'))}`,
      output: out('cp-bgzf.gz'),
    },
  ];
}

/** gzip itself, once: one core, the reference size (it takes about a minute on the corpus). */
export function gzipReference(corpus: string, work: string): TreeContender {
  const out = path.resolve(work, 'gzip.gz');
  return {
    key: 'gzip',
    name: 'gzip -6',
    shell: `gzip -6 -c ${JSON.stringify(corpus)} > ${JSON.stringify(out)}`,
    output: out,
  };
}

export function gzipReport(
  runs: Record<string, TreeRun>,
  size: number,
): { rows: Array<Record<string, string>>; targets: string[] } {
  const { pigz, pigzSync, gzipSingle: single, bgzip, gzipBgzf: bgzf, gzip } = runs;
  const rows = ['gzipSingle', 'pigz', 'pigzSync', 'gzip', 'gzipBgzf', 'bgzip'].map((key) => {
    const r = runs[key];
    return {
      contender: r.name,
      seconds: r.seconds.toFixed(2),
      'MB/s': (size / 1e6 / r.seconds).toFixed(0),
      'speed vs pigz': (pigz.seconds / r.seconds).toFixed(2),
      'size vs pigz': (r.outputBytes / pigz.outputBytes).toFixed(4),
      'peak RSS MiB': r.peakRssMiB.toFixed(0),
    };
  });
  const targets = [
    `gzip, one member: throughput vs pigz -6 -p 2: ${(pigz.seconds / single.seconds).toFixed(2)}x (target >= 1.00); vs pigz then sync (both durable): ${(pigzSync.seconds / single.seconds).toFixed(2)}x; vs gzip -6: ${(gzip.seconds / single.seconds).toFixed(2)}x`,
    `gzip, one member: size vs pigz: ${(single.outputBytes / pigz.outputBytes).toFixed(4)}x (target <= 1.005); vs gzip -6: ${(single.outputBytes / gzip.outputBytes).toFixed(4)}x`,
    `BGZF: size vs bgzip -l 6: ${(bgzf.outputBytes / bgzip.outputBytes).toFixed(4)}x (target <= 1.01); throughput vs bgzip -@ 2: ${(bgzip.seconds / bgzf.seconds).toFixed(2)}x (target >= 0.80)`,
  ];
  return { rows, targets };
}
