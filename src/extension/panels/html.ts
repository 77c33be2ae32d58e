import { randomBytes } from 'node:crypto';

/** Pure parts of a webview page (no `vscode` import, so unit tests check them directly). */

/** A fresh nonce per page load: 128 random bits, base64 (CSP allows base64 nonces). */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The page's Content-Security-Policy: nothing by default; scripts only with this load's nonce (no eval, no inline
 * handlers, no other origin); styles from the extension's files or with the nonce; images from the extension or
 * data: URLs (chart exports); no network access at all (connect-src is covered by default-src 'none').
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const escapeAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface PageParts {
  title: string;
  cspSource: string;
  nonce: string;
  /** webview URIs (asWebviewUri) of the bundled script and its stylesheet. */
  scriptUri: string;
  styleUri: string;
}

/** The HTML shell every panel uses: the webview script builds the rest. */
export function panelHtml(p: PageParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeAttribute(p.title)}</title>
<link rel="stylesheet" nonce="${p.nonce}" href="${escapeAttribute(p.styleUri)}">
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${p.nonce}" src="${escapeAttribute(p.scriptUri)}"></script>
</body>
</html>
`;
}
