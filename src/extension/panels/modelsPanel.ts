import * as vscode from 'vscode';
import { modelsCsv, modelsView } from '../../core/charts';
import { Panels } from '../../shared/ids';
import { decodeModelsPanelState, decodeModelsWebviewMessage, PROTOCOL_VERSION, type ModelsExtensionMessage, type ModelsWebviewMessage } from '../../shared/messages';
import type { Services } from '../services';
import { PanelSlot } from './panelHost';
import { SnapshotPanel } from './snapshotPanel';

/**
 * The model versions panel: size, parameters, latency and accuracy of the chosen versions side by side, and the
 * lineage graph around them. One panel per window; comparing other versions re-targets it.
 */
export class ModelsPanel extends SnapshotPanel<ModelsWebviewMessage, ModelsExtensionMessage> {
  private static readonly slot = new PanelSlot<ModelsPanel>({ viewType: Panels.models, title: 'Model Versions', script: 'models' });

  private constructor(
    panel: vscode.WebviewPanel,
    s: Services,
    private refs: string[],
  ) {
    super(panel, decodeModelsWebviewMessage, s, ['models', 'runs', 'datasets']);
    this.setTitle();
  }

  static show(s: Services, extensionUri: vscode.Uri, refs: string[]): void {
    ModelsPanel.slot.show(
      extensionUri,
      (open) => {
        open.refs = refs;
        open.setTitle();
        open.refresh();
      },
      (panel) => new ModelsPanel(panel, s, refs),
    );
  }

  static serializer(s: Services, extensionUri: vscode.Uri): vscode.WebviewPanelSerializer {
    return ModelsPanel.slot.serializer(extensionUri, (panel, state) => new ModelsPanel(panel, s, decodeModelsPanelState(state).refs));
  }

  private setTitle(): void {
    this.panel.title = `Model Versions (${this.refs.length})`;
  }

  protected async snapshot(): Promise<ModelsExtensionMessage> {
    return { v: PROTOCOL_VERSION, type: 'models', models: await modelsView(this.s.ws.layout, this.refs) };
  }

  protected async handle(message: ModelsWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'initialized':
        this.ready = true;
        this.refresh();
        return;
      case 'exportCsv':
        return this.saveCsv('model-versions', async () => modelsCsv(await modelsView(this.s.ws.layout, this.refs)));
      case 'exportPng':
        return this.savePng(`models-${message.chart}`, message.dataUrl);
    }
  }
}
