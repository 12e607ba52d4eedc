/**
 * What Chunkpress's file systems share (chunks of an archive, an archive as a folder): their files
 * never change under them, and every write is refused with a sentence saying why.
 */
import * as vscode from 'vscode';

export abstract class ReadOnlyFileSystem implements vscode.FileSystemProvider {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  /** `why(uri)`: the sentence a refused write shows. */
  constructor(private readonly why: (uri: vscode.Uri) => string) {}

  abstract stat(uri: vscode.Uri): Promise<vscode.FileStat>;
  abstract readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>>;
  abstract readFile(uri: vscode.Uri): Promise<Uint8Array>;

  /** An archive does not change under what is read from it; a new version of it gets new URIs. */
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(this.why(uri));
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(this.why(uri));
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(this.why(uri));
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(this.why(uri));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
