/** `chunkpress inspect`: what an archive holds, from its headers alone, or one frame's header fields and blocks. */
import { ChunkpressError } from '../engine/errors';
import { describeFrame } from '../engine/inspection/frameDetail';
import { inspectArchive, problemError } from '../engine/inspection/inspect';
import { frameReport, inspectReport } from '../engine/inspection/inspectReport';
import type { Args } from './args';

export async function inspectFiles(args: Args): Promise<number> {
  let failures = 0;
  for (const file of args.files) {
    try {
      const info = await inspectArchive(file);
      if (args.frame !== undefined) {
        const row = info.frames.find((f) => f.index === args.frame);
        if (!row) {
          const problem = problemError(info);
          throw (
            problem ??
            new ChunkpressError(
              `"${file}" has no frame ${args.frame} (frames 0..${info.frames.length - 1})`,
              'EINVAL',
              file,
            )
          );
        }
        const detail =
          row.role === 'member' ? row : await describeFrame(file, { ...row, blockCount: Number.MAX_SAFE_INTEGER });
        process.stdout.write(args.json ? `${JSON.stringify(detail)}\n` : frameReport(file, row, detail));
        continue;
      }
      process.stdout.write(args.json ? `${JSON.stringify(info)}\n` : inspectReport(info));
      // What precedes the damage is listed above; the damage itself goes to stderr and the status.
      const problem = problemError(info);
      if (problem) throw problem;
    } catch (err) {
      failures++;
      process.stderr.write(`chunkpress: ${(err as Error).message}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}
