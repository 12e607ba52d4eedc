/**
 * `npm run bench`: Chunkpress against zstd -T2, pzstd and single-threaded zstd, side by side in one
 * run on one corpus (the Linux kernel source tar from Debian's linux-source-6.1), as ratios.
 * A benchmark, not a test: it prints figures and writes bench/results/, it never fails on them.
 * Each contender runs three times, round-robin (each round starting one later), and the best time
 * counts.
 *
 *   node out/bench/bench.js CORPUS [--quick]
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode } from '../server/src/engine/decoding/decompress';
import { WorkerPool } from '../server/src/engine/pool/pool';
import { JOB_V8_FLAGS } from '../server/src/v8Flags';
import { benchInspect } from './inspectBench';
import { archiveContenders, archiveTargets, extractionRoot, sameTree, timeMemberOpens } from './archiveBench';
import { readContenders, treeContenders, treeReport } from './treeBench';
import { gzipContenders, gzipReference, gzipReport } from './gzipBench';
import { timeResume } from './resumeBench';

const repo = path.resolve(__dirname, '..', '..');
// Run as a program, as `chunkpress` is: its shebang carries the CLI's V8 flags (server/src/v8Flags.ts).
const cli = path.join(repo, 'dist', 'cli.js');
const corpus = process.argv[2];
/** The corpus unpacked, for the folders part: beside it, in tree/. */
const tree = path.join(path.dirname(corpus), 'tree', path.basename(corpus, '.tar'));
const quick = process.argv.includes('--quick');
if (!corpus || !fs.existsSync(corpus)) throw new Error('usage: bench.js CORPUS [--quick]');
const work = fs.mkdtempSync(path.join(path.dirname(corpus), 'bench-'));
const size = fs.statSync(corpus).size;
const THREADS = 2;
/**
 * This machine points NODE_EXTRA_CA_CERTS at the system bundle (for its proxy), and Node 20 parses
 * that file at every start, 65-100 ms (nodejs/node#40524), before any of our code runs. Chunkpress
 * makes no TLS connection and a user's machine does not usually set it, so the contenders run
 * without it; when it is set, one more row of each table shows chunkpress with it.
 */
const extraCerts = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;
const withCerts = extraCerts ? `NODE_EXTRA_CA_CERTS=${JSON.stringify(extraCerts)} ` : '';

interface Run {
  name: string;
  seconds: number;
  peakRssMiB: number;
  outputBytes: number;
}

/**
 * Runs a shell pipeline under GNU time; returns wall seconds (or those the pipeline wrote to
 * `secondsFile`) and the peak RSS of the largest process.
 */
async function timed(name: string, shell: string, output?: string, secondsFile?: string): Promise<Run> {
  if (output) {
    fs.rmSync(output, { force: true });
    // Write back the previous run's dirty pages first, so no contender pays for another's.
    execFileSync('sync');
  }
  const report = path.join(work, 'time.txt');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', '-o', report, 'bash', '-c', shell], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });
  const [wall, kib] = fs.readFileSync(report, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  const seconds = secondsFile ? Number(fs.readFileSync(secondsFile, 'utf8')) : wall;
  const run = { name, seconds, peakRssMiB: kib / 1024, outputBytes: output ? fs.statSync(output).size : 0 };
  process.stderr.write(
    `  ${name}: ${seconds.toFixed(2)} s, ${(size / 1e6 / seconds).toFixed(0)} MB/s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB\n`,
  );
  return run;
}

interface Contender {
  key: string;
  name: string;
  shell: string;
  output: string;
  /** Where the contender writes its own time, when the process's wall time is not it. */
  secondsFile?: string;
  /** Checks the output after every run, untimed (the next contender may replace it). */
  check?: () => void;
}

/**
 * Best of `rounds` runs each, taken round-robin so that a slow spell of a shared machine hits every
 * contender alike instead of one of them. Each round starts one contender later (A B C, B C A,
 * C A B): on this VM a run's place in the round changed what writing its output cost by up to 2x
 * (docs/PERFORMANCE.md, "Measuring on this machine"), so no contender keeps the same place.
 */
async function roundRobin(rounds: number, contenders: Contender[]): Promise<Record<string, Run>> {
  const best: Record<string, Run> = {};
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + round) % contenders.length];
      const run = await timed(c.name, c.shell, c.output, c.secondsFile);
      c.check?.();
      if (!best[c.key] || run.seconds < best[c.key].seconds) best[c.key] = run;
    }
  }
  return best;
}

/** Rows of the same keys as a Markdown table, the keys as its header. */
function markdownTable(rows: Array<Record<string, string>>): string {
  const header = Object.keys(rows[0]);
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${header.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
}

/** The last 1 MiB of the content read in this process with a warm pool: the median of 7, in seconds. */
async function timeTailRead(archive: string, output: string): Promise<number> {
  const pool = new WorkerPool(THREADS);
  try {
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      await decode({
        input: archive,
        output: { kind: 'file', path: output, overwrite: true },
        range: { offset: size - (1 << 20), length: 1 << 20 },
        pool,
      });
      if (i > 0) times.push((performance.now() - started) / 1000); // the first run starts the workers
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const zstdVersion = /v\d+\.\d+\.\d+/.exec(execFileSync('zstd', ['--version'], { encoding: 'utf8' }))?.[0] ?? 'zstd';
  const repeat = quick ? 1 : 3;
  process.stderr.write(
    `corpus ${corpus}: ${(size / 2 ** 20).toFixed(0)} MiB; zstd ${zstdVersion}; ${repeat} run(s) each, best kept\n`,
  );
  // Warm the page cache so the first contender does not pay for the disk.
  execFileSync('bash', ['-c', `cat ${JSON.stringify(corpus)} > /dev/null`]);
  const out = (name: string): string => path.join(work, name);
  const q = JSON.stringify;
  const contenders: Contender[] = [
    {
      key: 'single',
      name: 'zstd -3 --single-thread',
      shell: `zstd -q -3 --single-thread -f ${q(corpus)} -o ${q(out('single.zst'))}`,
      output: out('single.zst'),
    },
    {
      key: 'zstdT2',
      name: 'zstd -3 -T2',
      shell: `zstd -q -3 -T${THREADS} -f ${q(corpus)} -o ${q(out('t2.zst'))}`,
      output: out('t2.zst'),
    },
    {
      key: 'pzstd',
      name: 'pzstd -3 -p 2',
      shell: `pzstd -q -3 -p ${THREADS} -f ${q(corpus)} -o ${q(out('p.zst'))}`,
      output: out('p.zst'),
    },
    {
      // Chunkpress fsyncs an archive before it takes its name (so that deleting the source next is
      // safe); pzstd leaves it to the page cache. This is pzstd with the same guarantee.
      key: 'pzstdSync',
      name: 'pzstd -3 -p 2, then sync of its output',
      shell: `pzstd -q -3 -p ${THREADS} -f ${q(corpus)} -o ${q(out('p-sync.zst'))} && sync ${q(out('p-sync.zst'))}`,
      output: out('p-sync.zst'),
    },
    ...(quick ? ['4M'] : ['1M', '4M', '16M']).map((chunk) => ({
      key: `chunkpress-${chunk}`,
      name: `chunkpress -l 3 -T 2 -c ${chunk}`,
      shell: `${q(cli)} compress -q -l 3 -T ${THREADS} -c ${chunk} -f ${q(corpus)} -o ${q(out(`cp-${chunk}.zst`))}`,
      output: out(`cp-${chunk}.zst`),
    })),
    {
      key: 'chunkpress-4M-helper',
      name: 'chunkpress -l 3 -T 2 -c 4M, in the running helper (as VS Code runs it)',
      // With the helper's V8 flags.
      shell: `node ${JOB_V8_FLAGS.join(' ')} ${q(path.join(__dirname, 'warmCompress.js'))} ${q(corpus)} ${q(out('cp-helper.zst'))} ${q(out('helper-seconds'))} ${THREADS}`,
      output: out('cp-helper.zst'),
      secondsFile: out('helper-seconds'),
    },
    ...(extraCerts
      ? [
          {
            key: 'chunkpress-4M-certs',
            name: 'chunkpress -l 3 -T 2 -c 4M, NODE_EXTRA_CA_CERTS set',
            shell: `${withCerts}${q(cli)} compress -q -l 3 -T ${THREADS} -c 4M -f ${q(corpus)} -o ${q(out('cp-4M-certs.zst'))}`,
            output: out('cp-4M-certs.zst'),
          },
        ]
      : []),
  ];
  const runs = await roundRobin(repeat, contenders);
  // The same archive must come back byte for byte through the reference decoder.
  execFileSync('bash', ['-c', `zstd -dc ${q(out('cp-4M.zst'))} | cmp - ${q(corpus)}`]);
  execFileSync('cmp', [out('cp-4M.zst'), out('cp-helper.zst')]); // the same job, the same bytes
  const inspect = await benchInspect(repo, out('cp-4M.zst'));
  // A job killed halfway, then resumed: the second half against the whole uninterrupted run.
  const resumed = await timeResume(corpus, work, cli, THREADS, out('cp-4M.zst'), repeat);
  const archive = out('cp-4M.zst');
  // Every decoder writes the same path, removed before each run: with an output file each, four or
  // five 1.36 GB outputs stayed in the page cache, and what a run paid for writing depended on
  // its place among them (0.45 s of system time or 2 s for the same job). Chunkpress's outputs are
  // compared with the corpus after every run.
  const decoded = out('decoded');
  const decodedIsCorpus = (): void => void execFileSync('cmp', [decoded, corpus]);
  const decodeRuns = await roundRobin(repeat, [
    {
      key: 'zstd',
      name: 'zstd -d',
      shell: `zstd -d -q -f ${q(archive)} -o ${q(decoded)}`,
      output: decoded,
    },
    {
      // Debian's zstd (1.5.4) writes on a second thread; this is the one-core decoder.
      key: 'zstdSync',
      name: 'zstd -d --no-asyncio',
      shell: `zstd -d -q -f --no-asyncio ${q(archive)} -o ${q(decoded)}`,
      output: decoded,
    },
    {
      key: 'pzstd',
      name: 'pzstd -d -p 2 (on its own output)',
      shell: `pzstd -d -q -f -p ${THREADS} ${q(out('p.zst'))} -o ${q(decoded)}`,
      output: decoded,
    },
    {
      key: 'chunkpress',
      name: 'chunkpress decompress -T 2',
      shell: `${q(cli)} decompress -q -f -T ${THREADS} ${q(archive)} -o ${q(decoded)}`,
      output: decoded,
      check: decodedIsCorpus,
    },
    ...(extraCerts
      ? [
          {
            key: 'chunkpressCerts',
            name: 'chunkpress decompress -T 2, NODE_EXTRA_CA_CERTS set',
            shell: `${withCerts}${q(cli)} decompress -q -f -T ${THREADS} ${q(archive)} -o ${q(decoded)}`,
            output: decoded,
            check: decodedIsCorpus,
          },
        ]
      : []),
    {
      key: 'chunkpressOnPzstd',
      name: "chunkpress decompress -T 2 (pzstd's output)",
      shell: `${q(cli)} decompress -q -f -T ${THREADS} ${q(out('p.zst'))} -o ${q(decoded)}`,
      output: decoded,
      check: decodedIsCorpus,
    },
    // Decompressing into a pipe, as `chunkpress decompress a.zst -o - | tar x` does: each on the
    // archive it made of the corpus, to /dev/null and through a pipe to another process.
    {
      key: 'pzstdNull',
      name: 'pzstd -d -p 2 -c > /dev/null',
      shell: `pzstd -d -q -p ${THREADS} -c ${q(out('p.zst'))} > /dev/null`,
      output: '',
    },
    {
      key: 'chunkpressNull',
      name: 'chunkpress decompress -T 2 -o - > /dev/null',
      shell: `${q(cli)} decompress -q -T ${THREADS} ${q(archive)} -o - > /dev/null`,
      output: '',
    },
    {
      key: 'pzstdPipe',
      name: 'pzstd -d -p 2 -c, piped to cat',
      shell: `set -o pipefail; pzstd -d -q -p ${THREADS} -c ${q(out('p.zst'))} | cat > /dev/null`,
      output: '',
    },
    {
      key: 'chunkpressPipe',
      name: 'chunkpress decompress -T 2 -o -, piped to cat',
      shell: `set -o pipefail; ${q(cli)} decompress -q -T ${THREADS} ${q(archive)} -o - | cat > /dev/null`,
      output: '',
    },
    { key: 'zstdTest', name: 'zstd -t', shell: `zstd -t -q ${q(archive)}`, output: '' },
    {
      key: 'verify',
      name: 'chunkpress verify -T 2 (checksums and digests)',
      shell: `${q(cli)} verify -q -T ${THREADS} ${q(archive)}`,
      output: '',
    },
    {
      key: 'tail',
      name: 'chunkpress extract: the last 1 MiB',
      shell: `${q(cli)} extract -f ${q(archive)} --offset ${size - (1 << 20)} --length 1M -o ${q(out('tail'))}`,
      output: out('tail'),
    },
  ]);
  // What went through the pipe is the corpus, byte for byte (checked once, untimed).
  execFileSync('bash', ['-c', `set -o pipefail; ${q(cli)} decompress -q ${q(archive)} -o - | cmp - ${q(corpus)}`]);
  const tailInProcess = await timeTailRead(archive, out('tail-in-process'));
  // Folders: the corpus unpacked (scripts/bench.sh does it once), packed as a tree.
  const treeRuns = fs.existsSync(tree)
    ? {
        ...(await roundRobin(repeat, treeContenders(tree, work, cli, THREADS))),
        ...(await roundRobin(quick ? 3 : 5, readContenders(tree, work, cli))),
      }
    : undefined;
  // Reading the tree's archives back: extraction, search, members opened as a mounted folder does.
  const extractInto = treeRuns ? extractionRoot(work) : undefined;
  const archiveRuns = extractInto
    ? await roundRobin(quick ? 2 : 3, archiveContenders(work, extractInto, cli, THREADS))
        // What chunkpress extracted is what tar did (checked once, untimed).
        .then((runs) => {
          sameTree(path.join(extractInto, 'cp'), path.join(extractInto, 'tar'));
          return runs;
        })
        .finally(() => fs.rmSync(extractInto, { recursive: true, force: true }))
    : undefined;
  const memberOpens = treeRuns ? await timeMemberOpens(path.join(work, 'tree-cp.tar.zst')) : undefined;
  // gzip output: ours against pigz and bgzip, then gzip itself once (one core, a minute).
  const gzipRuns = {
    ...(await roundRobin(repeat, gzipContenders(corpus, work, cli, THREADS))),
    ...(await roundRobin(1, [gzipReference(corpus, work)])),
  };
  // Ours give the corpus back through the reference decoders (checked once, untimed).
  execFileSync('bash', ['-c', `set -o pipefail; gzip -dc ${q(out('cp.gz'))} | cmp - ${q(corpus)}`]);
  execFileSync('bash', ['-c', `set -o pipefail; bgzip -dc ${q(out('cp-bgzf.gz'))} | cmp - ${q(corpus)}`]);
  const copies = quick ? 3 : 10;
  const copiesOf = `for i in $(seq ${copies}); do cat ${q(corpus)}; done`;
  const streamed = await timed(
    `chunkpress stdin, ${copies}x corpus`,
    `${copiesOf} | ${q(cli)} compress - -l 3 -T ${THREADS} -c 4M -o - > /dev/null`,
  );
  const pzstdStreamed = await timed(
    `pzstd stdin, ${copies}x corpus`,
    `${copiesOf} | pzstd -q -3 -p ${THREADS} -c > /dev/null`,
  );

  const rate = (r: Run, bytes = size): number => bytes / 1e6 / r.seconds;
  const main4 = runs['chunkpress-4M'];
  const rows = Object.values(runs).map((r) => ({
    contender: r.name,
    seconds: r.seconds.toFixed(2),
    'MB/s': rate(r).toFixed(0),
    'speed vs pzstd': (rate(r) / rate(runs.pzstd)).toFixed(2),
    'size vs zstd -3': (r.outputBytes / runs.single.outputBytes).toFixed(4),
    'peak RSS MiB': r.peakRssMiB.toFixed(0),
  }));
  for (const run of [pzstdStreamed, streamed]) {
    rows.push({
      contender: run.name,
      seconds: run.seconds.toFixed(2),
      'MB/s': rate(run, copies * size).toFixed(0),
      'speed vs pzstd': (rate(run, copies * size) / rate(runs.pzstd)).toFixed(2),
      'size vs zstd -3': '-',
      'peak RSS MiB': run.peakRssMiB.toFixed(0),
    });
  }
  const decodeRows = Object.values(decodeRuns).map((r) => ({
    contender: r.name,
    seconds: r.seconds.toFixed(2),
    'MB/s': r.name.includes('1 MiB') ? '-' : rate(r).toFixed(0),
    'speed vs zstd -d': (decodeRuns.zstd.seconds / r.seconds).toFixed(2),
    'peak RSS MiB': r.peakRssMiB.toFixed(0),
  }));
  const table = markdownTable(rows);
  const decodeTable = markdownTable(decodeRows);
  const targets = [
    `throughput, 4M chunks, vs pzstd -p 2: ${(rate(main4) / rate(runs.pzstd)).toFixed(2)}x (target >= 1.00)`,
    `in the running helper (VS Code's case: workers up, no Node start-up), vs pzstd -p 2: ${(rate(runs['chunkpress-4M-helper']) / rate(runs.pzstd)).toFixed(2)}x`,
    `both durable (pzstd then sync of its output, as chunkpress fsyncs before the rename): ${(runs.pzstdSync.seconds / main4.seconds).toFixed(2)}x`,
    `through a pipe (${copies}x the corpus on stdin, to /dev/null), vs pzstd on the same pipe: ${(pzstdStreamed.seconds / streamed.seconds).toFixed(2)}x`,
    `output vs single-stream zstd -3: ${(main4.outputBytes / runs.single.outputBytes).toFixed(4)}x (target <= 1.01)`,
    `peak RSS, 4M chunks: ${main4.peakRssMiB.toFixed(0)} MiB (target <= 160); streamed ${copies}x input: ${streamed.peakRssMiB.toFixed(0)} MiB (target: the same)`,
    `decompress to a file, vs zstd -d: ${(decodeRuns.zstd.seconds / decodeRuns.chunkpress.seconds).toFixed(2)}x, vs zstd -d --no-asyncio: ${(decodeRuns.zstdSync.seconds / decodeRuns.chunkpress.seconds).toFixed(2)}x; vs pzstd -d -p 2: ${(decodeRuns.pzstd.seconds / decodeRuns.chunkpress.seconds).toFixed(2)}x (target >= 1.00)`,
    `decompress to stdout, vs pzstd -d -p 2 -c on its own archive: to /dev/null ${(decodeRuns.pzstdNull.seconds / decodeRuns.chunkpressNull.seconds).toFixed(2)}x, through a pipe to cat ${(decodeRuns.pzstdPipe.seconds / decodeRuns.chunkpressPipe.seconds).toFixed(2)}x (target >= 1.00 each)`,
    ...(extraCerts
      ? [
          `with NODE_EXTRA_CA_CERTS as this machine sets it (${extraCerts}): compression ${(runs.pzstd.seconds / runs['chunkpress-4M-certs'].seconds).toFixed(2)}x pzstd, decompression ${(decodeRuns.zstd.seconds / decodeRuns.chunkpressCerts.seconds).toFixed(2)}x zstd -d and ${(decodeRuns.pzstd.seconds / decodeRuns.chunkpressCerts.seconds).toFixed(2)}x pzstd -d`,
        ]
      : []),
    `verify vs zstd -t: ${(decodeRuns.zstdTest.seconds / decodeRuns.verify.seconds).toFixed(2)}x`,
    `reading the last 1 MiB in the helper (warm, as the panel does): ${(tailInProcess * 1000).toFixed(1)} ms, ${(decodeRuns.zstd.seconds / tailInProcess).toFixed(0)}x faster than a full zstd -d (target >= 100); from the CLI, Node's start-up included: ${(decodeRuns.zstd.seconds / decodeRuns.tail.seconds).toFixed(0)}x`,
    `resumed after SIGKILL at ${resumed.framesDone} of ${resumed.totalFrames} frames: ${resumed.seconds.toFixed(2)} s, ${(resumed.seconds / main4.seconds).toFixed(2)}x the uninterrupted run's ${main4.seconds.toFixed(2)} s, the first half re-checked included (target <= 0.55); the part left, compressed as a file of its own, takes ${resumed.restAloneSeconds.toFixed(2)} s (${(resumed.restAloneSeconds / main4.seconds).toFixed(2)}x): the re-check and the resume cost ${(resumed.seconds - resumed.restAloneSeconds).toFixed(2)} s more`,
    `inspect of the 4M archive (${inspect.frames} frames): ${inspect.serverMs.toFixed(1)} ms on the server (target <= 50), ${inspect.roundTripMs.toFixed(1)} ms round trip over IPC, ${inspect.bytesRead} B read; zstd -lv takes ${inspect.zstdListMs.toFixed(0)} ms`,
  ];
  const report = [
    `# Benchmark ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Corpus: ${path.basename(corpus)}, ${size} bytes. zstd ${zstdVersion}, chunkpress ${process.env.npm_package_version ?? ''} (zstd-napi, zstd 1.5.7). ${THREADS} threads, level 3, best of ${repeat}. Machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores.`,
    ...(extraCerts
      ? [
          '',
          `Node runs without NODE_EXTRA_CA_CERTS, which this machine sets (${extraCerts}): Node 20 parses that file at every start (65-100 ms here, nodejs/node#40524), and chunkpress makes no TLS connection. The rows marked "NODE_EXTRA_CA_CERTS set" run with it.`,
        ]
      : []),
    '',
    table,
    '',
    'Decompression of the 4M archive (every decoder writes the same file, removed and synced before each run):',
    '',
    decodeTable,
    '',
    ...targets.map((t) => `- ${t}`),
    '',
    ...(treeRuns
      ? [
          `Folders: ${path.basename(tree)} unpacked from the corpus (the tar read by tar, chunkpress given the folder), ${THREADS} threads, level 3:`,
          '',
          markdownTable(treeReport(treeRuns).rows),
          '',
          ...treeReport(treeRuns).targets.map((t) => `- ${t}`),
          '',
        ]
      : []),
    `gzip output of the corpus, ${THREADS} threads, level 6 (gzip -6 once, the others best of ${repeat}):`,
    '',
    markdownTable(gzipReport(gzipRuns, size).rows),
    '',
    ...gzipReport(gzipRuns, size).targets.map((t) => `- ${t}`),
    '',
    ...(archiveRuns && memberOpens
      ? [
          `Reading the tree's archives back (extraction into ${extractInto?.startsWith('/dev/shm') ? 'a tmpfs' : 'the work folder'}), ${THREADS} threads:`,
          '',
          ...archiveTargets(archiveRuns, memberOpens).map((t) => `- ${t}`),
          '',
        ]
      : []),
  ].join('\n');
  process.stdout.write(`\n${report}`);
  const results = path.join(repo, 'bench', 'results');
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, 'latest.md'), report);
  fs.writeFileSync(
    path.join(results, 'latest.json'),
    JSON.stringify(
      {
        corpus,
        size,
        runs,
        decodeRuns,
        streamed,
        pzstdStreamed,
        copies,
        inspect,
        treeRuns,
        archiveRuns,
        memberOpens,
        gzipRuns,
        resumed,
      },
      null,
      2,
    ),
  );
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  fs.rmSync(work, { recursive: true, force: true });
  console.error(err);
  process.exitCode = 1;
});
