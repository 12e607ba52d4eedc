import * as vscode from 'vscode';
import { parseSize } from '../../server/src/engine/sizes';

export type OverwritePolicy = 'ask' | 'always' | 'never';
export type ProgressLocation = 'statusBar' | 'notification' | 'both';

export interface Settings {
  level: number;
  chunkSize: number;
  /** Undefined = automatic. */
  threads: number | undefined;
  memoryFactor: number;
  overwrite: OverwritePolicy;
  progressLocation: ProgressLocation;
}

/** Reads `chunkpress.*`; a chunk size that does not parse falls back to the default with a warning. */
export function readSettings(log: (message: string) => void): Settings {
  const config = vscode.workspace.getConfiguration('chunkpress');
  const chunkText = config.get<string>('chunkSize', '4M');
  let chunkSize: number;
  try {
    chunkSize = parseSize(chunkText);
  } catch (err) {
    log(`chunkpress.chunkSize: ${(err as Error).message}; using 4M`);
    chunkSize = 4 << 20;
  }
  const threads = config.get<number>('threads', 0);
  return {
    level: config.get<number>('level', 3),
    chunkSize,
    threads: threads > 0 ? threads : undefined,
    memoryFactor: config.get<number>('memoryFactor', 0.75),
    overwrite: config.get<OverwritePolicy>('overwrite', 'ask'),
    progressLocation: config.get<ProgressLocation>('progressLocation', 'both'),
  };
}
