import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, createNonce, panelHtml } from '../../../src/extension/panels/html';

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

test('the CSP allows scripts only with the nonce: no unsafe-eval, no unsafe-inline, no remote sources', () => {
  const csp = contentSecurityPolicy('vscode-webview-resource:', 'abc123==');
  const d = directives(csp);
  assert.deepEqual(d.get('default-src'), ["'none'"]);
  assert.deepEqual(d.get('script-src'), ["'nonce-abc123=='"]);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|https?:|\*/);
  assert.ok(!d.has('connect-src'), 'network access falls back to default-src none');
});

test('nonces are fresh and long enough', () => {
  const a = createNonce();
  const b = createNonce();
  assert.notEqual(a, b);
  assert.ok(Buffer.from(a, 'base64').length >= 16);
});

test('the page loads its script and stylesheet with the nonce and declares the CSP', () => {
  const html = panelHtml({ title: 'Experiments <1>', cspSource: 'vscode-resource:', nonce: 'n0nce', scriptUri: 'vscode-resource:/x/experiments.js', styleUri: 'vscode-resource:/x/experiments.css' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-n0nce'/);
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(scripts, ['<script nonce="n0nce" src="vscode-resource:/x/experiments.js">']);
  assert.match(html, /<link rel="stylesheet" nonce="n0nce" href="vscode-resource:\/x\/experiments.css">/);
  assert.match(html, /<title>Experiments &lt;1&gt;<\/title>/);
});
