/**
 * The resume part of `npm run bench`: the corpus compressed as the 4M contender is, killed with
 * SIGKILL once half its frames are in its journal, then `--resume`d; the resumed run (re-checking
 * the first half included) is timed against the whole uninterrupted run.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ResumeTiming {
  /** Best resumed run, seconds; and the frames it found done. */
  seconds: number;
  framesDone: number;
  totalFrames: number;
  /**
   * Best time to compress, as a file of its own, the part of the corpus the resumed run had left:
   * what the resume costs beyond is its re-check (the corpus's halves do not cost the same).
   */
  restAloneSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function timeResume(
  corpus: string,
  work: string,
  cli: string,
  threads: number,
  reference: string,
  rounds: number,
): Promise<ResumeTiming> {
  const target = path.join(work, 'resume.zst');
  const args = ['compress', '-q', '-l', '3', '-T', String(threads), '-c', '4M', corpus, '-o', target];
  const totalFrames = Math.ceil(fs.statSync(corpus).size / (4 << 20));
  let best: ResumeTiming | undefined;
  for (let round = 0; round < rounds; round++) {
    fs.rmSync(target, { force: true });
    const child = spawn(cli, args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const journalOf = (): string | undefined =>
      fs.readdirSync(work).find((f) => f.startsWith('.resume.zst.') && f.endsWith('.journal'));
    for (;;) {
      const journal = journalOf();
      const frames = journal ? fs.readFileSync(path.join(work, journal), 'utf8').split('\n').length - 2 : 0;
      if (frames >= totalFrames / 2) break;
      await sleep(5);
    }
    child.kill('SIGKILL');
    await exited;
    const journal = journalOf()!;
    const framesDone = fs.readFileSync(path.join(work, journal), 'utf8').split('\n').length - 2;
    execFileSync('sync');
    const started = performance.now();
    execFileSync(cli, [...args, '--resume']);
    const seconds = (performance.now() - started) / 1000;
    execFileSync('cmp', [target, reference]); // the same archive as the uninterrupted run's
    process.stderr.write(`  resumed after ${framesDone} of ${totalFrames} frames: ${seconds.toFixed(2)} s\n`);
    if (!best || seconds < best.seconds) best = { seconds, framesDone, totalFrames, restAloneSeconds: Infinity };
  }
  // The rest on its own, from the frame the best resume started at.
  const rest = path.join(work, 'resume-rest');
  const from = best!.framesDone * (4 << 20);
  execFileSync('bash', ['-c', `tail -c +${from + 1} ${JSON.stringify(corpus)} > ${JSON.stringify(rest)}`]);
  for (let round = 0; round < rounds; round++) {
    fs.rmSync(target, { force: true });
    execFileSync('sync');
    const started = performance.now();
    execFileSync(cli, ['compress', '-q', '-l', '3', '-T', String(threads), '-c', '4M', rest, '-o', target]);
    best!.restAloneSeconds = Math.min(best!.restAloneSeconds, (performance.now() - started) / 1000);
  }
  fs.rmSync(rest, { force: true });
  fs.rmSync(target, { force: true });
  return best!;
}
