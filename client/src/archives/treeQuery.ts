/** The panel as the tests see it: rows reached by their labels, through the same calls VS Code makes. */
import type * as vscode from 'vscode';
import type { ArchiveNode } from './archiveNodes';
import type { ArchivesTree } from './archivesTree';

export interface RenderedRow {
  label: string;
  description: string;
  tooltip: string;
  contextValue: string | undefined;
}

function render(item: vscode.TreeItem): RenderedRow {
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
  return {
    label,
    description: typeof item.description === 'string' ? item.description : '',
    tooltip,
    contextValue: item.contextValue,
  };
}

/** The row reached by following `labels` from the top, as VS Code would reach it by expanding. */
export async function findNode(tree: ArchivesTree, labels: string[]): Promise<ArchiveNode | undefined> {
  let node: ArchiveNode | undefined;
  for (const [depth, label] of labels.entries()) {
    const children = await tree.getChildren(node);
    node = children.find((child) => render(tree.getTreeItem(child)).label === label);
    if (!node) {
      const seen = children.map((child) => render(tree.getTreeItem(child)).label).join(', ');
      throw new Error(`no row "${label}" under ${labels.slice(0, depth).join(' > ') || 'the top'} (rows: ${seen})`);
    }
  }
  return node;
}

/** The rows under `labels` (the tests' view of the panel: the same calls VS Code makes). */
export async function renderPath(tree: ArchivesTree, labels: string[]): Promise<RenderedRow[]> {
  const node = await findNode(tree, labels);
  return (await tree.getChildren(node)).map((child) => render(tree.getTreeItem(child)));
}
