/** VS Code theme colours as the webview sees them: CSS variables on the page, a kind from the body's class. */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  foreground: string;
  background: string;
  grid: string;
  font: string;
}

export function themeKind(bodyClasses: { contains(name: string): boolean }): ThemeKind {
  if (bodyClasses.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (bodyClasses.contains('vscode-high-contrast')) return 'high-contrast';
  return bodyClasses.contains('vscode-light') ? 'light' : 'dark';
}

/**
 * A run's line colour for the theme: the hue is the run's own, saturation and lightness keep contrast with the
 * background (dark lines on light themes, bright ones on dark and high-contrast themes). `alpha` dims non-highlighted runs.
 */
export function runColor(hue: number, kind: ThemeKind, alpha = 1): string {
  const [s, l] = kind === 'light' ? [70, 38] : kind === 'dark' ? [70, 62] : kind === 'high-contrast' ? [100, 70] : [100, 28];
  return `hsla(${hue}, ${s}%, ${l}%, ${alpha})`;
}

export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const kind = themeKind(document.body.classList);
  const foreground = v('--vscode-editor-foreground', kind === 'light' || kind === 'high-contrast-light' ? '#333333' : '#cccccc');
  return {
    kind,
    foreground,
    background: v('--vscode-editor-background', kind === 'light' || kind === 'high-contrast-light' ? '#ffffff' : '#1e1e1e'),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128, 128, 128, 0.35)')),
    font: v('--vscode-font-family', 'sans-serif'),
  };
}

/** Call `changed` with the new theme whenever VS Code switches theme (it swaps the body's classes). */
export function watchTheme(changed: (theme: Theme) => void): void {
  new MutationObserver(() => changed(readTheme())).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
