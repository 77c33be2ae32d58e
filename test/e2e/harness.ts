// Drives our extension in a real VS Code: code-server (VS Code 1.100) in Debian's Chromium through playwright-core.
// One session per test file (`e2eSuite`): starting code-server and the browser costs seconds, a test should not.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { installExtension, startCodeServer, userSettings, writeUserSettings, type CodeServer } from '../../scripts/lib/code-server.mjs';
import { createDemoWorkspace } from '../../scripts/demo-workspace.mjs';
import { ensureE2eTools } from '../../scripts/lib/e2e-tools.mjs';

export const projectRoot = path.resolve(__dirname, '../..');
const outputDir = process.env.LATHE_TEST_OUTPUT ?? path.join(projectRoot, '.test-output');

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** How long a UI expectation may take before it fails (the workbench itself gets longer). */
export const UI_TIMEOUT_MS = 20_000;
const WORKBENCH_TIMEOUT_MS = 60_000;

export interface VsCodeOptions {
  /** The folder to open. */
  workspace: string;
  /** User settings on top of the quiet defaults of `userSettings`. */
  settings?: Record<string, unknown>;
  theme?: string;
  /** Workspace trust on and the folder untrusted: VS Code opens it in Restricted Mode. Default: trust disabled. */
  restrictedMode?: boolean;
}

export interface TreeItem {
  label: string;
  description: string;
  /** 1 for top-level items. */
  level: number;
  /** undefined for leaves. */
  expanded: boolean | undefined;
}

/** Polls `probe` until it returns something other than undefined/false; the last error explains a timeout. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = UI_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message.split('\n')[0]}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

function tail(file: string, lines: number): string {
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => statSync(f).isFile());
  } catch {
    return [];
  }
}

/** A quick pick or input box (command palette, showQuickPick, showInputBox). */
export class QuickInput {
  readonly widget: Locator;
  readonly input: Locator;

  constructor(page: Page) {
    this.widget = page.locator('.quick-input-widget');
    this.input = this.widget.locator('.quick-input-box input');
  }

  async waitOpen(): Promise<void> {
    await this.widget.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  }

  async waitClosed(): Promise<void> {
    await this.widget.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  }

  /** Labels of the items currently listed, in display order (rows of the virtualized list carry their index). */
  async items(): Promise<string[]> {
    const rows = await this.widget.locator('.monaco-list-row').evaluateAll((els) =>
      els.map((e) => ({ index: Number(e.getAttribute('data-index') ?? 0), label: (e.querySelector('.quick-input-list-label .label-name')?.textContent ?? '').trim() })),
    );
    return rows.filter((r) => r.label).sort((a, b) => a.index - b.index).map((r) => r.label);
  }

  async title(): Promise<string> {
    return ((await this.widget.locator('.quick-input-title').textContent()) ?? '').trim();
  }

  async placeholder(): Promise<string> {
    return (await this.input.getAttribute('placeholder')) ?? '';
  }

  /** The validation message of an input box. */
  async message(): Promise<string> {
    return ((await this.widget.locator('.quick-input-message').textContent()) ?? '').trim();
  }

  /** Replaces the filter/input text. */
  async type(text: string): Promise<void> {
    await this.waitOpen();
    await this.input.fill(text);
  }

  /** Clicks the item whose label is exactly `label` (after typing `filter`, if given, to bring it into view). */
  async pick(label: string, filter?: string): Promise<void> {
    await this.waitOpen();
    if (filter !== undefined) await this.type(filter);
    // the list is virtualized: DOM order of rows is not display order, so find the row by its own label
    const row = this.widget.locator('.monaco-list-row').filter({
      has: this.widget.page().locator('.quick-input-list-label .label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }),
    });
    await waitUntil(`quick pick item "${label}"`, async () => {
      if ((await row.count()) !== 1) throw new Error(`items: ${JSON.stringify((await this.items()).slice(0, 12))}`);
      return true;
    });
    await row.click();
  }

  /** Types into an input box and accepts it with Enter. */
  async submit(text: string): Promise<void> {
    await this.type(text);
    await this.input.press('Enter');
  }
}

export class VsCode {
  readonly quickInput: QuickInput;
  private readonly browserErrors: string[] = [];

  private constructor(
    readonly page: Page,
    readonly browser: Browser,
    readonly server: CodeServer,
    readonly workspace: string,
    private readonly sessionDir: string,
  ) {
    this.quickInput = new QuickInput(page);
    page.on('pageerror', (e) => this.browserErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.browserErrors.push(`console: ${m.text()}`);
    });
  }

  get url(): string {
    return this.server.url;
  }

  /** Starts code-server with our extension (from dist/, build first) and opens the workbench in Chromium. */
  static async start(options: VsCodeOptions): Promise<VsCode> {
    const { codeServerBin, chromiumPath } = await ensureE2eTools();
    const sessionDir = mkdtempSync(path.join(tmpdir(), 'lathe-e2e-'));
    const userDataDir = path.join(sessionDir, 'data');
    const extensionsDir = path.join(sessionDir, 'extensions');
    writeUserSettings(userDataDir, userSettings(options));
    installExtension(extensionsDir);
    const server = await startCodeServer({
      codeServerBin,
      workspace: options.workspace,
      extensionsDir,
      userDataDir,
      restrictedMode: options.restrictedMode,
    });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const vs = new VsCode(page, browser, server, options.workspace, sessionDir);
      await page.goto(server.url);
      await page.locator('.monaco-workbench').waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
      // our view container's tab appears once the extension host has registered the extension's contributions
      await page.locator('.activitybar').getByRole('tab', { name: /^Lathe/ }).waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
      return vs;
    } catch (e) {
      process.stderr.write(`[e2e] VS Code did not start: ${String(e)}\n${logReport(userDataDir, server.logFile)}\n`);
      await browser?.close();
      await server.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await this.server.stop();
    rmSync(this.sessionDir, { recursive: true, force: true });
  }

  /** Saves `<LATHE_TEST_OUTPUT>/screenshots/<name>.png` and returns its path. */
  async screenshot(name: string): Promise<string> {
    const dir = path.join(outputDir, 'screenshots');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command by its palette title (e.g. "Lathe: Refresh"): F1, type, click the exact entry. */
  async runCommand(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    await this.quickInput.pick(title, `>${title}`);
  }

  /** Dismisses an open quick input (a no-op when none is open). */
  async closeQuickInput(): Promise<void> {
    if (await this.quickInput.widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitClosed();
    }
  }

  /** Opens a view container of the activity bar by its title (e.g. "Lathe"). */
  async openViewContainer(title: string): Promise<void> {
    await this.runCommand(`View: Show ${title}`);
    await this.page
      .locator('.sidebar .composite.title h2', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') })
      .waitFor({ timeout: UI_TIMEOUT_MS });
  }

  /** The pane of a view in the side bar, expanded. */
  async viewPane(viewTitle: string): Promise<Locator> {
    const pane = this.page.locator('.sidebar .pane').filter({
      has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${escapeRegExp(viewTitle)}$`, 'i') }),
    });
    await pane.waitFor({ timeout: UI_TIMEOUT_MS });
    const header = pane.locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane;
  }

  /** The rows a tree view shows now (only what is rendered: expand nodes first to see children). */
  async treeItems(viewTitle: string): Promise<TreeItem[]> {
    const pane = await this.viewPane(viewTitle);
    // rows of the virtualized list in display order (their data-index), not DOM order
    const rows = await pane.locator('.pane-body .monaco-list-row').evaluateAll((els) =>
      els.map((row) => {
        const expanded = row.getAttribute('aria-expanded');
        return {
          index: Number(row.getAttribute('data-index') ?? 0),
          label: (row.querySelector('.label-name')?.textContent ?? '').trim(),
          description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
          level: Number(row.getAttribute('aria-level') ?? 1),
          expanded: expanded === null ? undefined : expanded === 'true',
        };
      }),
    );
    return rows.sort((a, b) => a.index - b.index).map(({ index: _index, ...item }) => item);
  }

  /** Waits until the view shows an item with this label and returns all its items. */
  async waitForTreeItem(viewTitle: string, label: string): Promise<TreeItem[]> {
    return waitUntil(`"${label}" in the ${viewTitle} view`, async () => {
      const items = await this.treeItems(viewTitle);
      if (!items.some((i) => i.label === label)) throw new Error(`items: ${JSON.stringify(items.map((i) => i.label))}`);
      return items;
    });
  }

  /** The row of a tree item (waits for it). */
  async treeRow(viewTitle: string, label: string): Promise<Locator> {
    await this.waitForTreeItem(viewTitle, label);
    const pane = await this.viewPane(viewTitle);
    return pane.locator('.pane-body .monaco-list-row').filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }),
    }).first();
  }

  /** Expands a collapsed tree item. */
  async expandTreeItem(viewTitle: string, label: string): Promise<void> {
    const row = await this.treeRow(viewTitle, label);
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    await waitUntil(`"${label}" expanded`, async () => (await row.getAttribute('aria-expanded')) === 'true');
  }

  /** Expands a tree item and returns its child rows once they are rendered. */
  async treeChildren(viewTitle: string, label: string): Promise<TreeItem[]> {
    await this.expandTreeItem(viewTitle, label);
    return waitUntil(`the children of "${label}" in the ${viewTitle} view`, async () => {
      const items = await this.treeItems(viewTitle);
      const index = items.findIndex((i) => i.label === label);
      const children: TreeItem[] = [];
      for (const item of items.slice(index + 1)) {
        if (item.level <= items[index].level) break;
        if (item.level === items[index].level + 1) children.push(item);
      }
      if (children.length === 0) throw new Error(`items: ${JSON.stringify(items.map((i) => i.label))}`);
      return children;
    });
  }

  /** Right-clicks a tree item and chooses a context menu entry. */
  async contextMenu(viewTitle: string, itemLabel: string, menuItemLabel: string): Promise<void> {
    const row = await this.treeRow(viewTitle, itemLabel);
    await row.click({ button: 'right' });
    const entry = this.page.locator('.monaco-menu .action-item .action-label', {
      hasText: new RegExp(`^\\s*${escapeRegExp(menuItemLabel)}\\s*$`),
    });
    await entry.first().waitFor({ timeout: UI_TIMEOUT_MS });
    // VS Code's menu swallows a mouse-up that comes right after it opened: choose the entry with the keyboard
    await entry.first().hover();
    await waitUntil(`"${menuItemLabel}" focused in the menu`, () =>
      entry.first().evaluate((e) => e.closest('.action-item')?.classList.contains('focused') ?? false),
    );
    await this.page.keyboard.press('Enter');
    await entry.first().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  }

  /** The entries of the context menu of a tree item, then closes it. */
  async contextMenuItems(viewTitle: string, itemLabel: string): Promise<string[]> {
    const row = await this.treeRow(viewTitle, itemLabel);
    await row.click({ button: 'right' });
    const labels = this.page.locator('.monaco-menu .action-item:not(.disabled) .action-label');
    await labels.first().waitFor({ timeout: UI_TIMEOUT_MS });
    const items = (await labels.allTextContents()).map((t) => t.trim()).filter(Boolean);
    await this.page.keyboard.press('Escape');
    return items;
  }

  /** The Problems panel's rows (file rows and markers) as VS Code reads them out (aria labels). */
  async problems(): Promise<string[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    return rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? (e.textContent ?? '').trim()));
  }

  /** Messages of the notifications on screen (toasts and, when open, the notification center). */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-list-item-message').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  }

  /** Waits for a notification containing `text` and returns its full message. */
  async waitForNotification(text: string | RegExp): Promise<string> {
    const matches = (m: string) => (typeof text === 'string' ? m.includes(text) : text.test(m));
    return waitUntil(`a notification matching ${String(text)}`, async () => {
      const all = await this.notifications();
      const hit = all.find(matches);
      if (!hit) throw new Error(`notifications: ${JSON.stringify(all)}`);
      return hit;
    });
  }

  /** Labels of the open editor tabs. */
  async editorTabs(): Promise<string[]> {
    return this.page.locator('.tabs-container .tab').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? (e.textContent ?? '').trim()));
  }

  /** Waits for an editor tab whose label matches. */
  async waitForEditorTab(label: RegExp): Promise<string> {
    return waitUntil(`an editor tab matching ${String(label)}`, async () => {
      const tabs = await this.editorTabs();
      const hit = tabs.find((t) => label.test(t));
      if (!hit) throw new Error(`tabs: ${JSON.stringify(tabs)}`);
      return hit;
    });
  }

  /** The text of the webview (e.g. a Markdown preview) whose body matches `content`; webviews are nested iframes. */
  async webviewText(content: RegExp): Promise<string> {
    return waitUntil(`a webview showing ${String(content)}`, async () => {
      for (const frame of this.page.frames().filter((f) => f !== this.page.mainFrame())) {
        const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
        if (content.test(text)) return text;
      }
      return undefined;
    });
  }

  /** Status bar entries' texts. */
  async statusBarItems(): Promise<string[]> {
    return this.page.locator('.statusbar-item').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()).filter(Boolean));
  }

  /** Tails of code-server's and the extension host's logs, and the browser's errors: what explains a failure. */
  logs(): string {
    const errors = this.browserErrors.length ? `--- browser errors\n${this.browserErrors.slice(-30).join('\n')}\n` : '';
    return logReport(this.server.userDataDir, this.server.logFile) + errors;
  }

  /** Screenshot + logs on stderr: called by `e2eSuite` when a test fails. */
  async reportFailure(testName: string): Promise<void> {
    let shot = '';
    try {
      shot = await this.screenshot(`FAILED-${testName}`);
    } catch (e) {
      shot = `(no screenshot: ${String(e)})`;
    }
    process.stderr.write(`\n[e2e] "${testName}" failed; screenshot ${shot}\n${this.logs()}\n`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The extension host's log files (incl. our output channels) and code-server's own log, last lines of each. */
function logReport(userDataDir: string, serverLog: string): string {
  // the extension host's own log and our output channel (other extensions' logs only add noise)
  const exthost = filesUnder(path.join(userDataDir, 'logs')).filter((f) => /remoteexthost\.log$|[\\/]Lathe\.log$/.test(f));
  const parts = [...exthost, serverLog]
    .filter((f) => statSync(f, { throwIfNoEntry: false })?.size)
    .map((f) => `--- ${path.relative(userDataDir, f)}\n${tail(f, 60)}`);
  return parts.join('\n');
}

export function startVsCode(options: VsCodeOptions): Promise<VsCode> {
  return VsCode.start(options);
}

export interface SuiteOptions extends Omit<VsCodeOptions, 'workspace'> {
  /** Creates the folder to open inside `scratch` (a temp folder removed after the suite); runs in `before`. */
  workspace: (scratch: string) => string | Promise<string>;
}

/** The demo workspace of `npm start` (real data sets, models and runs), built in `parent`. Needs dist/ built. */
export async function demoWorkspace(parent: string): Promise<string> {
  return (await createDemoWorkspace(path.join(parent, 'demo'))).dir;
}

export type E2eTest = (name: string, fn: (vs: VsCode) => Promise<void>) => void;

/**
 * A describe block sharing one VS Code session: started in `before`, stopped in `after`.
 * A failing test leaves a screenshot and prints the extension host log.
 */
export function e2eSuite(title: string, options: SuiteOptions, body: (test: E2eTest) => void): void {
  describe(title, () => {
    let vs: VsCode | undefined;
    const scratch = mkdtempSync(path.join(tmpdir(), 'lathe-e2e-workspace-'));
    before(async () => {
      vs = await startVsCode({ ...options, workspace: await options.workspace(scratch) });
    }, { timeout: 180_000 });
    after(async () => {
      await vs?.stop();
      rmSync(scratch, { recursive: true, force: true });
    });
    body((name, fn) =>
      it(name, { timeout: 120_000 }, async () => {
        if (!vs) throw new Error('VS Code did not start');
        try {
          await fn(vs);
        } catch (e) {
          await vs.reportFailure(`${title}-${name}`);
          throw e;
        }
      }),
    );
  });
}
