/**
 * "Open Chunk": one chunk's content as a read-only file of its own, `chunkpress-chunk:` scheme.
 * A file system provider (not a text provider) hands VS Code the bytes, so it picks the encoding,
 * detects binary content and offers its own viewers, as for any file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { decodedName } from '../../../server/src/engine/io/outputNames';
import { readRangeRequest } from '../../../server/src/protocol';
import { errorText } from './archiveStore';
import { ReadOnlyFileSystem } from './readOnlyFileSystem';

export const CHUNK_SCHEME = 'chunkpress-chunk';

interface ChunkAddress {
  archive: string;
  offset: number;
  length: number;
}

/**
 * `chunkpress-chunk:/dir/big.log.zst/chunk 3 of big.log?offset=12582912&length=4194304`: the tab
 * reads "chunk 3 of big.log" and keeps the original's extension, so its language is recognised.
 */
export function chunkUri(archive: string, label: string, offset: number, length: number): vscode.Uri {
  const name = `${label} of ${path.basename(decodedName(archive))}`;
  return vscode.Uri.file(archive).with({
    scheme: CHUNK_SCHEME,
    path: `${vscode.Uri.file(archive).path}/${name}`,
    query: `offset=${offset}&length=${length}`,
  });
}

/**
 * `chunkpress-chunk:/dir/proj.tar.zst/proj/src/main.ts?archive=…&offset=…&length=…`: a tar
 * member, under its own path (the tab reads "main.ts" and its language is recognised); the
 * archive is named in the query, since the path no longer ends with it.
 */
export function memberUri(archive: string, member: string, offset: number, length: number): vscode.Uri {
  return vscode.Uri.file(archive).with({
    scheme: CHUNK_SCHEME,
    path: `${vscode.Uri.file(archive).path}/${member}`,
    query: new URLSearchParams({ archive, offset: String(offset), length: String(length) }).toString(),
  });
}

function parse(uri: vscode.Uri): ChunkAddress {
  const query = new URLSearchParams(uri.query);
  const offset = Number(query.get('offset'));
  const length = Number(query.get('length'));
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
    throw vscode.FileSystemError.FileNotFound(uri);
  const archive = query.get('archive') ?? vscode.Uri.file(path.posix.dirname(uri.path)).fsPath;
  return { archive, offset, length };
}

export class ChunkFileSystem extends ReadOnlyFileSystem {
  constructor(private readonly client: LanguageClient) {
    super((uri) => `${uri.path} is read-only: a chunk of an archive, decoded for viewing`);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { archive, length } = parse(uri);
    const source = await vscode.workspace.fs.stat(vscode.Uri.file(archive));
    return {
      type: vscode.FileType.File,
      ctime: source.ctime,
      mtime: source.mtime,
      size: length,
      permissions: vscode.FilePermission.Readonly,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { archive, offset, length } = parse(uri);
    try {
      const { base64 } = await this.client.sendRequest(readRangeRequest, { path: archive, offset, length });
      return Buffer.from(base64, 'base64');
    } catch (err) {
      throw vscode.FileSystemError.Unavailable(errorText(err));
    }
  }

  readDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.FileNotADirectory(uri);
  }
}
