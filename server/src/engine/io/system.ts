/** What the engine asks of the machine it runs on: cores, memory and free space (injected in tests). */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';

export interface SystemInfo {
  cores: number;
  availableMemory: number;
  /** Free bytes on the file system of `dir`, or undefined when unknown. */
  freeSpace(dir: string): Promise<number | undefined>;
}

export const defaultSystem: SystemInfo = {
  cores: os.availableParallelism(),
  get availableMemory() {
    return process.availableMemory?.() ?? os.freemem();
  },
  async freeSpace(dir) {
    try {
      const stats = await fsp.statfs(dir);
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  },
};
