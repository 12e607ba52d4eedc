import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ChunkpressApi } from '../../../client/src/extension';

export const EXTENSION_ID = 'chunkpress.chunkpress';

export async function activate(): Promise<ChunkpressApi> {
  const extension = vscode.extensions.getExtension<ChunkpressApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded`);
  return extension.activate();
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
