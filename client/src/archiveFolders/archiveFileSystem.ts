/**
 * A tar archive as a read-only folder: `chunkpress-archive:/home/me/proj.tar.zst/src/main.ts`
 * is member `src/main.ts` of `/home/me/proj.tar.zst`. Listing and stat come from the helper's
 * member index; a read decodes only the member's frames, in the helper. The first touch of a
 * foreign archive reads its headers once, with progress; the helper keeps the index meanwhile.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import {
  memberStatRequest,
  membersRequest,
  readMemberRequest,
  type JobErrorData,
  type MemberRow,
} from '../../../server/src/protocol';
import { requestWithProgress } from '../serverProgress';
import { TAR_NAME } from '../archives/memberRows';
import { ReadOnlyFileSystem } from '../archives/readOnlyFileSystem';

export const ARCHIVE_SCHEME = 'chunkpress-archive';

/** The folder URI of an archive on disk. */
export function archiveFolderUri(archive: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: ARCHIVE_SCHEME, path: archive.path });
}

/**
 * The archive and member a URI of the scheme names: the archive is the first part of the path that
 * has a tar's name and is not a folder inside another archive (mounted ones are matched first).
 */
export function parseArchiveUri(uri: vscode.Uri): { archive: string; member: string } | undefined {
  const mounted = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === ARCHIVE_SCHEME)
    .map((f) => f.uri.path)
    .find((p) => uri.path === p || uri.path.startsWith(`${p}/`));
  let archivePath = mounted;
  if (archivePath === undefined) {
    const parts = uri.path.split('/');
    const at = parts.findIndex((p, i) => i > 0 && TAR_NAME.test(p));
    if (at < 0) return undefined;
    archivePath = parts.slice(0, at + 1).join('/');
  }
  return {
    archive: vscode.Uri.from({ scheme: 'file', path: archivePath }).fsPath,
    member: uri.path.slice(archivePath.length).replace(/^\/+/, ''),
  };
}

export class ArchiveFileSystem extends ReadOnlyFileSystem {
  /** Each archive's first listing, with progress (a foreign archive's headers are read then). */
  private readonly indexed = new Map<string, Promise<unknown>>();

  constructor(private readonly client: LanguageClient) {
    super((uri) => `${uri.path} is inside an archive, which Chunkpress opens read-only`);
  }

  /** Reads the archive's index once, with progress, before anything is asked of it. */
  private ready(archive: string): Promise<unknown> {
    let done = this.indexed.get(archive);
    if (!done) {
      done = requestWithProgress(
        this.client,
        membersRequest,
        { path: archive, folder: '' },
        {
          title: `Reading the members of ${path.basename(archive)}`,
          location: vscode.ProgressLocation.Notification,
          cancellable: true,
          delayMs: 500,
        },
      );
      this.indexed.set(archive, done);
      done.catch(() => this.indexed.get(archive) === done && this.indexed.delete(archive));
    }
    return done;
  }

  private address(uri: vscode.Uri): { archive: string; member: string } {
    const parsed = parseArchiveUri(uri);
    if (!parsed) throw vscode.FileSystemError.FileNotFound(uri);
    return parsed;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { archive, member } = this.address(uri);
    await this.ready(archive).catch((err: unknown) => fail(err, uri));
    const s = await this.client
      .sendRequest(memberStatRequest, { archive, path: member })
      .catch((err: unknown) => fail(err, uri));
    return {
      type:
        (s.type === 'directory' ? vscode.FileType.Directory : vscode.FileType.File) |
        (s.symlink ? vscode.FileType.SymbolicLink : 0),
      size: s.size,
      mtime: s.mtimeMs,
      ctime: s.mtimeMs,
      permissions: vscode.FilePermission.Readonly,
    };
  }

  async readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>> {
    const { archive, member } = this.address(uri);
    await this.ready(archive).catch((err: unknown) => fail(err, uri));
    const folder = await this.client
      .sendRequest(memberStatRequest, { archive, path: member })
      .catch((err: unknown) => fail(err, uri));
    if (folder.type !== 'directory') throw vscode.FileSystemError.FileNotADirectory(uri);
    // A symlinked folder is listed where it leads.
    const { rows } = await this.client
      .sendRequest(membersRequest, { path: archive, folder: folder.path })
      .catch((err: unknown) => fail(err, uri));
    return rows.map((row) => [row.name, fileType(row)]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { archive, member } = this.address(uri);
    await this.ready(archive).catch((err: unknown) => fail(err, uri));
    const { base64 } = await this.client
      .sendRequest(readMemberRequest, { archive, path: member })
      .catch((err: unknown) => fail(err, uri));
    return Buffer.from(base64, 'base64');
  }
}

function fileType(row: MemberRow): vscode.FileType {
  const link = row.member?.type === 'symlink';
  const target = link ? row.linkTo : row.member === null || row.member.type === 'directory' ? 'directory' : 'file';
  const base =
    target === 'directory'
      ? vscode.FileType.Directory
      : target === 'file'
        ? vscode.FileType.File
        : vscode.FileType.Unknown;
  return base | (link ? vscode.FileType.SymbolicLink : 0);
}

/** The helper's error as VS Code's file system errors, so that the Explorer and editors say the right thing. */
function fail(err: unknown, uri: vscode.Uri): never {
  const code = err instanceof ResponseError ? (err.data as JobErrorData | undefined)?.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') throw vscode.FileSystemError.FileNotFound(uri);
  if (code === 'EISDIR') throw vscode.FileSystemError.FileIsADirectory(uri);
  throw vscode.FileSystemError.Unavailable(message);
}
