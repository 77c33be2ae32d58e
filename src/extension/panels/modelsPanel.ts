import * as vscode from 'vscode';
import { modelsView } from '../../core/charts';
import { Panels } from '../../shared/ids';
import { decodeModelsPanelState, decodeModelsWebviewMessage, PROTOCOL_VERSION, type ModelsExtensionMessage, type ModelsWebviewMessage } from '../../shared/messages';
import type { Services } from '../services';
import { createPanel, exportFileName, preparePanel, saveExport, type PanelKind } from './panelHost';
import { SnapshotPanel } from './snapshotPanel';

const KIND: PanelKind = { viewType: Panels.models, title: 'Model Versions', script: 'models' };

/**
 * The model versions panel: size, parameters, latency and accuracy of the chosen versions side by side, and the
 * lineage graph around them. One panel per window; comparing other versions re-targets it.
 */
export class ModelsPanel extends SnapshotPanel<ModelsWebviewMessage, ModelsExtensionMessage> {
  private static current: ModelsPanel | undefined;

  private constructor(
    panel: vscode.WebviewPanel,
    s: Services,
    private refs: string[],
  ) {
    super(panel, decodeModelsWebviewMessage, s, ['models', 'runs', 'datasets']);
    this.setTitle();
    this.disposables.push({ dispose: () => ModelsPanel.current === this && (ModelsPanel.current = undefined) });
  }

  static show(s: Services, extensionUri: vscode.Uri, refs: string[]): void {
    const open = ModelsPanel.current;
    if (open && !open.isDisposed) {
      open.refs = refs;
      open.setTitle();
      open.panel.reveal();
      open.refresh();
      return;
    }
    ModelsPanel.current = new ModelsPanel(createPanel(extensionUri, KIND), s, refs);
  }

  static serializer(s: Services, extensionUri: vscode.Uri): vscode.WebviewPanelSerializer {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        preparePanel(panel, extensionUri, KIND);
        ModelsPanel.current?.dispose();
        ModelsPanel.current = new ModelsPanel(panel, s, decodeModelsPanelState(state).refs);
      },
    };
  }

  private setTitle(): void {
    const n = this.refs.length;
    this.panel.title = `Model Versions (${n})`;
  }

  protected async snapshot(): Promise<ModelsExtensionMessage> {
    return { v: PROTOCOL_VERSION, type: 'models', models: await modelsView(this.s.ws.layout, this.refs) };
  }

  protected async handle(message: ModelsWebviewMessage): Promise<void> {
    if (message.type === 'initialized') {
      this.ready = true;
      this.refresh();
      return;
    }
    const saved = await saveExport(this.s.ws.layout.root, exportFileName(`models-${message.chart}`, 'png'), { 'PNG image': ['png'] }, async () =>
      Buffer.from(message.dataUrl.slice(message.dataUrl.indexOf(',') + 1), 'base64'),
    );
    if (saved) this.post({ v: PROTOCOL_VERSION, type: 'notice', level: 'info', message: `Saved ${saved}` });
  }
}
