import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { reportRequest } from '../../../server/src/protocol';
import { errorText, type ArchiveStore } from './archiveStore';

export const REPORT_SCHEME = 'chunkpress-report';
export const REPORT_LANGUAGE = 'chunkpress-report';

/** chunkpress-report:/dir/big.zst.report?<archive path>: the tab reads "big.zst.report"; nothing is written. */
export function reportUri(archivePath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: REPORT_SCHEME, path: `${archivePath}.report`, query: archivePath });
}

/**
 * Read-only reports (the same listing as `chunkpress inspect`), rebuilt by the helper when asked
 * and when the archive changes on disk.
 */
export class ReportProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly client: LanguageClient,
    store: ArchiveStore,
  ) {
    this.subscription = store.onDidChange((entry) => {
      if (!entry) return;
      const uri = reportUri(entry.path);
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.changed.fire(uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const archive = uri.query;
    try {
      return (await this.client.sendRequest(reportRequest, { path: archive }, token)).text;
    } catch (err) {
      return `${archive}\n  error: ${errorText(err)}\n`;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Opens the report of `archivePath` beside the current editor, in the report language. */
export async function openReport(archivePath: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(reportUri(archivePath));
  const typed =
    doc.languageId === REPORT_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, REPORT_LANGUAGE);
  return vscode.window.showTextDocument(typed, { preview: true, viewColumn: vscode.ViewColumn.Active });
}
