import type { Frame } from 'playwright-core';
import { waitUntil, type VsCode } from './harness';

/** What every panel test checks: how many canvases there are and how many have at least one painted pixel. */
export interface DrawnState {
  canvases: number;
  drawn: number;
  bodyClass: string;
  /** The webview body's data-* attributes, where panels count what they plotted. */
  dataset: Record<string, string>;
}

/** A panel's frame (webviews are nested iframes): the one whose page has an element matching `selector`. */
export function panelFrame(vs: VsCode, what: string, selector: string): Promise<Frame> {
  return waitUntil(what, async () => {
    for (const frame of vs.page.frames()) {
      if (await frame.evaluate((s) => document.querySelector(s) !== null, selector).catch(() => false)) return frame;
    }
    return undefined;
  });
}

export function drawnState(frame: Frame): Promise<DrawnState> {
  return frame.evaluate(() => {
    const canvases = Array.from(document.querySelectorAll('canvas'));
    const drawn = canvases.filter((c) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
      return false;
    }).length;
    return { canvases: canvases.length, drawn, bodyClass: document.body.className, dataset: { ...document.body.dataset } as Record<string, string> };
  });
}

export async function useColorTheme(vs: VsCode, theme = 'Light Modern'): Promise<void> {
  await vs.runCommand('Preferences: Color Theme');
  await vs.quickInput.pick(theme, theme);
}

export async function reloadWindow(vs: VsCode): Promise<void> {
  await vs.runCommand('Developer: Reload Window');
  await vs.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
}
