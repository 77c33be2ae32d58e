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

/** sRGB channels in [0, 1] of an HSL colour (h in degrees, s and l in percent). */
export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

/** WCAG 2 contrast ratio of two sRGB colours (1 to 21). */
export function contrastRatio(a: [number, number, number], b: [number, number, number]): number {
  const luminance = (rgb: [number, number, number]) => {
    const [r, g, b] = rgb.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * What run colours are checked against: the editor background of VS Code's default theme of each kind, and the
 * contrast a line needs on it (WCAG's 3:1 for graphics; 4.5:1 in high-contrast themes, whose users need more).
 */
export const THEME_CONTRAST: Record<ThemeKind, { background: [number, number, number]; ratio: number; saturation: number; lightness: number }> = {
  light: { background: [1, 1, 1], ratio: 3, saturation: 70, lightness: 42 },
  dark: { background: [0x1f / 255, 0x1f / 255, 0x1f / 255], ratio: 3, saturation: 70, lightness: 62 },
  'high-contrast': { background: [0, 0, 0], ratio: 4.5, saturation: 100, lightness: 70 },
  'high-contrast-light': { background: [1, 1, 1], ratio: 4.5, saturation: 100, lightness: 32 },
};

/**
 * A run's line colour for the theme: the hue is the run's own; the lightness starts at the theme's and moves away
 * from the background (darker on light themes, lighter on dark ones) until the line has the theme's contrast, so
 * a yellow run stays as legible as a blue one. `alpha` dims non-highlighted runs.
 */
export function runColor(hue: number, kind: ThemeKind, alpha = 1): string {
  const { background, ratio, saturation, lightness } = THEME_CONTRAST[kind];
  const step = kind === 'light' || kind === 'high-contrast-light' ? -1 : 1;
  let l = lightness;
  while (l > 0 && l < 100 && contrastRatio(hslToRgb(hue, saturation, l), background) < ratio) l += step;
  return `hsla(${hue}, ${saturation}%, ${l}%, ${alpha})`;
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
