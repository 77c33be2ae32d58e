// The DAG picture: a standalone SVG with a box per stage, laid out in layers, and an arrow per edge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderDagSvg } from '../../../../src/core/pipeline/runner';
import { analyze } from '../../../../src/core/pipeline/service';

const dag = analyze(`version: 1
stages:
  prep: { cmd: a, outs: [clean.csv] }
  train: { cmd: b, deps: [clean.csv], outs: [model.onnx] }
  eval: { cmd: c, deps: [model.onnx, clean.csv] }
  "docs<&>": { cmd: d }
`).dag;

function boxes(svg: string): Map<string, { x: number; y: number }> {
  const out = new Map<string, { x: number; y: number }>();
  for (const m of svg.matchAll(/data-stage="([^"]+)"[^]*?<rect x="([\d.]+)" y="([\d.]+)"/g)) out.set(m[1], { x: Number(m[2]), y: Number(m[3]) });
  return out;
}

test('every stage is a box; a stage is right of every stage it needs; one arrow per edge', () => {
  const svg = renderDagSvg(dag);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
  const at = boxes(svg);
  assert.deepEqual([...at.keys()].sort(), ['docs&#60;&#38;&#62;', 'eval', 'prep', 'train']);
  assert.ok(at.get('prep')!.x < at.get('train')!.x && at.get('train')!.x < at.get('eval')!.x);
  assert.equal(at.get('docs&#60;&#38;&#62;')!.x, at.get('prep')!.x, 'stages needing nothing share the first layer');
  assert.equal([...svg.matchAll(/<path class="edge"/g)].length, dag.edges.length);
  assert.equal(dag.edges.length, 3);
});

test('an edge that skips a layer passes beside the boxes of that layer, not behind them', () => {
  const svg = renderDagSvg(dag);
  const train = boxes(svg).get('train')!;
  const long = /<path class="edge" d="([^"]+)"><title>eval needs prep/.exec(svg)![1];
  const straight = / L([\d.]+),([\d.]+)/.exec(long);
  assert.ok(straight, 'the long edge runs straight through a waypoint in the middle layer');
  const y = Number(straight[2]);
  assert.ok(Math.abs(Number(straight[1]) - (train.x + Number(/width="([\d.]+)" height="30"/.exec(svg)![1]))) < 0.1, 'it ends at the right side of the middle layer');
  assert.ok(y < train.y || y > train.y + 30, `the waypoint (y=${y}) is outside the box of train (y=${train.y}..${train.y + 30})`);
});

test('stage names and tooltips are escaped; statuses colour the boxes', () => {
  const svg = renderDagSvg(dag, { statuses: { prep: 'ran', train: 'failed' }, details: { prep: 'python "a" < b' } });
  assert.doesNotMatch(svg, /docs<&>/);
  assert.match(svg, /python &#34;a&#34; &#60; b/);
  assert.match(svg, /data-stage="prep" data-status="ran"/);
  assert.match(svg, /data-stage="train" data-status="failed"/);
});
