/**
 * How fast the helper answers `chunkpress/inspect` for a big Chunkpress archive (target: at most
 * 50 ms on the server, a few KiB read), next to `zstd -lv` on the same file.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { inspectRequest } from '../server/src/protocol';
import { startHelper } from '../test/helperProcess';

export interface InspectTiming {
  frames: number;
  serverMs: number;
  roundTripMs: number;
  bytesRead: number;
  zstdListMs: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchInspect(repo: string, archive: string, runs = 7): Promise<InspectTiming> {
  const helper = await startHelper(repo);
  const { connection } = helper;
  try {
    const server: number[] = [];
    const roundTrip: number[] = [];
    let frames = 0;
    let bytesRead = 0;
    for (let i = 0; i < runs; i++) {
      // A new mtime each time, so the helper inspects afresh instead of answering from its cache.
      const when = new Date(Date.now() + i * 1000);
      fs.utimesSync(archive, when, when);
      const started = performance.now();
      const summary = await connection.sendRequest(inspectRequest, { path: archive });
      roundTrip.push(performance.now() - started);
      server.push(summary.elapsedMs);
      frames = summary.dataFrames;
      bytesRead = summary.bytesRead;
    }
    const zstd: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      execFileSync('zstd', ['-lv', archive], { stdio: 'ignore' });
      zstd.push(performance.now() - started);
    }
    return { frames, serverMs: median(server), roundTripMs: median(roundTrip), bytesRead, zstdListMs: median(zstd) };
  } finally {
    helper.stop();
  }
}
