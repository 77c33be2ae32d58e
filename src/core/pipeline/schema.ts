/**
 * The pipeline file format (`lathe.yaml`): the one source of truth. Validation, completion, hover and the exported
 * JSON Schema (`schemas/lathe.schema.json`) are all derived from these definitions.
 */

interface Base {
  doc: string;
  /** Values offered first by completion (examples), when not an enum. */
  examples?: unknown[];
}

export type SchemaNode =
  | (Base & { kind: 'object'; properties: Record<string, SchemaNode>; required?: string[] })
  | (Base & { kind: 'map'; values: SchemaNode; keyDoc: string })
  | (Base & { kind: 'string'; enum?: readonly string[]; enumDocs?: Record<string, string>; ref?: 'dataset' | 'model' | 'path' | 'output' | 'stage' })
  | (Base & { kind: 'number'; integer?: boolean; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; enum?: readonly number[] })
  | (Base & { kind: 'boolean' })
  | (Base & { kind: 'array'; items: SchemaNode; minItems?: number })
  | (Base & { kind: 'union'; options: SchemaNode[] })
  | (Base & { kind: 'any' });

export type ObjectSchema = Extract<SchemaNode, { kind: 'object' }>;

const str = (doc: string, extra: Partial<Extract<SchemaNode, { kind: 'string' }>> = {}): SchemaNode => ({ kind: 'string', doc, ...extra });
const num = (doc: string, extra: Partial<Extract<SchemaNode, { kind: 'number' }>> = {}): SchemaNode => ({ kind: 'number', doc, ...extra });
const int = (doc: string, extra: Partial<Extract<SchemaNode, { kind: 'number' }>> = {}): SchemaNode => num(doc, { integer: true, ...extra });
const bool = (doc: string): SchemaNode => ({ kind: 'boolean', doc });
const list = (doc: string, items: SchemaNode, minItems?: number): SchemaNode => ({ kind: 'array', doc, items, minItems });
const obj = (doc: string, properties: Record<string, SchemaNode>, required: string[] = []): ObjectSchema => ({ kind: 'object', doc, properties, required });
/** A path or a list of paths: both spellings are accepted wherever several files may be named. */
const paths = (doc: string): SchemaNode => ({ kind: 'union', doc, options: [str(doc, { ref: 'path' }), list(doc, str('A path relative to the workspace root.', { ref: 'path' }))] });

const modelRef = (doc: string) => str(`${doc} A path to an .onnx file, or \`model:<name>@<version|alias>\`.`, { ref: 'model', examples: ['model:NAME@production'] });
const datasetRef = (doc: string) => str(`${doc} A path, or \`dataset:<name>@<version|latest>\`.`, { ref: 'dataset', examples: ['dataset:NAME@latest'] });
/** A file a built-in stage writes: like `outs`, it is hashed and other stages may depend on it. */
const output = (doc: string) => str(doc, { ref: 'output' });

/** Built-in stages (`uses:`) and the schema of their `with:` arguments. */
export const BUILTIN_STAGES: Record<string, ObjectSchema> = {
  quantize: obj('Quantize or compress an ONNX model; the result is evaluated against the original (and registered when the model is `model:NAME@REF`).', {
    model: modelRef('The model to quantize.'),
    method: str('Quantization method.', {
      enum: ['auto', 'dynamic-int8', 'static-int8', 'fp16', 'int4', 'prune', 'low-rank'],
      enumDocs: {
        auto: 'Try the methods and keep the smallest model that is not slower and still agrees with the original.',
        'dynamic-int8': 'int8 weights, activations quantized at run time (no calibration data).',
        'static-int8': 'int8 weights and activations with QDQ nodes, calibrated on `calibration`.',
        fp16: 'Half-precision floats.',
        int4: 'Weight-only 4-bit blocks for MatMul.',
        prune: 'Magnitude pruning: the smallest half of each weight set to zero.',
        'low-rank': 'SVD factorisation of MatMul/Gemm weights keeping 90% of their energy.',
      },
    }),
    calibration: datasetRef('Real inputs for calibration and evaluation (CSV/TSV/NPY rows); without it random inputs are used, with a warning.'),
    per_channel: bool('Per-channel weight scales (default false).'),
    exclude: list('Node names left as they are.', str('A node name.')),
    output: output('Where the quantized model is written.'),
  }, ['model', 'method', 'output']),
  distill: obj('Train a small student model to imitate a teacher (knowledge distillation) as a tracked run; the student is registered (and written to `output` when given; a teacher file with `output` registers nothing).', {
    teacher: modelRef('The teacher model (a classifier).'),
    dataset: datasetRef('Training rows (CSV/TSV/NPY/Parquet), with a label column or without (soft targets only).'),
    student: obj('The student architecture (default: an MLP with one hidden layer of 32 units).', {
      preset: str('The student preset.', { enum: ['mlp', 'cnn'], enumDocs: { mlp: 'A multi-layer perceptron over the flattened input.', cnn: 'A small CNN for image inputs [channels, height, width].' } }),
      hidden: list('Hidden layer widths of the student MLP.', int('Units in a hidden layer.', { minimum: 1 }), 1),
      activation: str('Activation between hidden layers.', { enum: ['relu', 'tanh', 'gelu'] }),
      model: modelRef('An existing model trained as the student instead of a preset.'),
    }),
    temperature: num('Softmax temperature applied to teacher and student logits.', { exclusiveMinimum: 0 }),
    alpha: num('Weight of the distillation loss versus the label loss (0..1).', { minimum: 0, maximum: 1 }),
    epochs: int('Maximum training epochs (training stops early when the validation loss stalls).', { minimum: 1 }),
    patience: int('Epochs without a better validation loss before training stops.', { minimum: 1 }),
    lr: num('Learning rate.', { exclusiveMinimum: 0 }),
    batch_size: int('Mini-batch size.', { minimum: 1 }),
    seed: int('Seeds the initial weights, the split and the shuffling.', { minimum: 0 }),
    label: str('The label column (default: found by name); `none` for soft targets only.'),
    name: str('The model name the student is registered under (default `<teacher>-student`).'),
    output: output('Where the student model is written.'),
  }, ['teacher', 'dataset']),
  lora: obj('Fine-tune a model with low-rank adapters (LoRA) as a tracked run; the adapter is written to `output` (and registered as an adapter version when the model is `model:NAME@REF`).', {
    model: modelRef('The base model (frozen).'),
    dataset: datasetRef('Labelled training rows (CSV/TSV/NPY/Parquet).'),
    targets: str('The MatMul/Gemm weights to adapt: `all-linear`, `attention-qv` (query/value projections), or a regular expression over weight names.', { examples: ['all-linear', 'attention-qv'] }),
    rank: int('Adapter rank r.', { minimum: 1, maximum: 1024 }),
    alpha: num('Adapter scaling alpha: the update is scaled by alpha/rank.', { exclusiveMinimum: 0 }),
    dropout: num('Dropout on the adapters\' input while training.', { minimum: 0, exclusiveMaximum: 1 }),
    rslora: bool('Scale by alpha/√rank (rank-stabilized LoRA).'),
    epochs: int('Training epochs.', { minimum: 1 }),
    lr: num('Learning rate (AdamW).', { exclusiveMinimum: 0 }),
    batch_size: int('Mini-batch size.', { minimum: 1 }),
    seed: int('Seeds the adapters, the split and the shuffling.', { minimum: 0 }),
    name: str('The registered name of the adapter (default `<base name>-lora`).'),
    output: output('Where the adapter (an ONNX file of its A/B tensors) is written.'),
    merged: output('Also write the base with the adapter merged in (same nodes as the base: no extra latency).'),
  }, ['model', 'dataset', 'output']),
  drift: obj('Compare two datasets and report distribution drift per column.', {
    reference: datasetRef('The reference data.'),
    current: datasetRef('The data to compare against the reference.'),
    test: str('Statistical test.', { enum: ['auto', 'ks', 'chi2', 'psi', 'mmd'] }),
    threshold: num('p-value (or PSI) threshold for flagging drift.', { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    output: output('Where the drift report (JSON) is written.'),
  }, ['reference', 'current']),
  evaluate: obj('Evaluate a model on a dataset and write metrics.', {
    model: modelRef('The model to evaluate.'),
    dataset: datasetRef('Evaluation data.'),
    metrics: list('Metrics to compute.', str('A metric name.', { enum: ['accuracy', 'f1', 'precision', 'recall', 'auc', 'mse', 'mae'] }), 1),
    label: str('The label column.'),
    output: output('Where the metrics (JSON) are written.'),
  }, ['model', 'dataset']),
};

export const BUILTIN_NAMES = Object.keys(BUILTIN_STAGES);

const scalarValue: SchemaNode = { kind: 'union', doc: 'A value.', options: [str('A string.'), num('A number.'), bool('A boolean.')] };

export const STAGE_SCHEMA = obj('A stage: a command (`cmd`) or a built-in step (`uses`), with the files it reads and writes.', {
  cmd: str('The command to run, split into arguments like a shell would (quotes, backslashes) but never run by a shell. `${{ params.x }}` is substituted per argument. Write `sh -c \'...\'` if you need a shell.'),
  uses: str('A built-in stage instead of a command.', {
    enum: BUILTIN_NAMES,
    enumDocs: Object.fromEntries(BUILTIN_NAMES.map((n) => [n, BUILTIN_STAGES[n].doc])),
  }),
  with: { kind: 'map', doc: 'Arguments of the built-in stage named by `uses`.', keyDoc: 'An argument.', values: { kind: 'any', doc: 'An argument value.' } },
  deps: paths('Files and folders the stage reads. A change to their content re-runs the stage; a dep that another stage outputs is an implicit dependency on that stage.'),
  outs: paths('Files and folders the stage writes. Hashed into lathe.lock; other stages may depend on them.'),
  metrics: paths('Metric files (JSON) the stage writes, shown with its run.'),
  params: list('Names of the params the stage uses: a change to one of them re-runs the stage.', str('A param name.')),
  needs: { kind: 'union', doc: 'Stages that must finish before this one (in addition to the ones inferred from deps and outs).', options: [str('A stage name.', { ref: 'stage' }), list('Stage names.', str('A stage name.', { ref: 'stage' }))] },
  env: { kind: 'map', doc: 'Extra environment variables for the command.', keyDoc: 'An environment variable.', values: scalarValue },
  cwd: str('Working directory of the command, relative to the workspace root.', { ref: 'path' }),
  description: str('What the stage does (shown in hovers and the DAG).'),
});

const distributionSchema = obj('The search space of one parameter: a distribution with bounds, or a list of values.', {
  distribution: str('How values are drawn.', {
    enum: ['uniform', 'log_uniform', 'int_uniform', 'categorical'],
    enumDocs: {
      uniform: 'Real values uniform in [min, max].',
      log_uniform: 'Real values uniform in log space: min must be > 0.',
      int_uniform: 'Integers uniform in [min, max].',
      categorical: 'One of `values`.',
    },
  }),
  min: num('Lower bound.'),
  max: num('Upper bound.'),
  step: num('Quantization step (grid and int).', { exclusiveMinimum: 0 }),
  values: list('The values to try.', { kind: 'any', doc: 'A value.' }),
});

export const SWEEP_SCHEMA = obj('A hyper-parameter sweep over one stage.', {
  stage: str('The stage each trial runs.', { ref: 'stage' }),
  method: str('Search method.', { enum: ['grid', 'random', 'tpe'], enumDocs: { grid: 'Every combination of `values`.', random: 'Independent random draws.', tpe: 'Tree-structured Parzen estimator (Bayesian).' } }),
  metric: obj('The metric to optimise, read from the trial runs.', {
    name: str('Metric name as logged by the stage.'),
    goal: str('Whether higher or lower is better.', { enum: ['maximize', 'minimize'] }),
  }, ['name', 'goal']),
  parameters: { kind: 'map', doc: 'The search space: param name → distribution. Each must be a param the stage uses.', keyDoc: 'A param of the stage.', values: distributionSchema },
  trials: int('How many trials to run.', { minimum: 1 }),
  parallel: int('How many trials run at the same time.', { minimum: 1 }),
  early_terminate: obj('Stop unpromising trials early (pruning).', {
    type: str('Pruner.', { enum: ['median', 'asha', 'hyperband'] }),
    min_iter: int('Steps before a trial can be stopped.', { minimum: 1 }),
    max_iter: int('Maximum steps of a trial (hyperband).', { minimum: 1 }),
    eta: int('Reduction factor (asha, hyperband).', { minimum: 2 }),
  }, ['type']),
  executor: str('Where trials run.', { enum: ['local', 'ray', 'slurm'] }),
  seed: int('Random seed of the sampler.'),
}, ['stage', 'method', 'metric', 'parameters']);

const paramValue: SchemaNode = { kind: 'any', doc: 'A param value (a scalar, list or map). Use it as `${{ params.NAME }}`.' };

export const PIPELINE_SCHEMA = obj('A Lathe pipeline: params, datasets, models, stages and sweeps.', {
  version: int('Format version of this file.', { enum: [1] }),
  params: {
    kind: 'union',
    doc: 'Parameters referenced as `${{ params.NAME }}`: an inline map, or the path of a YAML params file.',
    options: [
      str('A YAML file of params, relative to the workspace root.', { ref: 'path', examples: ['params.yaml'] }),
      { kind: 'map', doc: 'Param name → value.', keyDoc: 'A param name.', values: paramValue },
    ],
  },
  datasets: { kind: 'map', doc: 'Named datasets of this project.', keyDoc: 'A dataset name.', values: obj('A dataset.', { path: str('File or folder of the dataset.', { ref: 'path' }), description: str('What the data is.') }, ['path']) },
  models: { kind: 'map', doc: 'Named models of this project.', keyDoc: 'A model name.', values: obj('A model.', { path: str('The .onnx file of the model.', { ref: 'path' }), description: str('What the model is.') }, ['path']) },
  stages: { kind: 'map', doc: 'The stages of the pipeline, by name. Order does not matter: the DAG comes from `needs`, deps/outs and expressions.', keyDoc: 'A stage name.', values: STAGE_SCHEMA },
  sweeps: { kind: 'map', doc: 'Hyper-parameter sweeps, by name.', keyDoc: 'A sweep name.', values: SWEEP_SCHEMA },
}, ['version', 'stages']);

/** A schema node's possible types, in words (for "expected ..." messages). */
export function describeType(node: SchemaNode): string {
  switch (node.kind) {
    case 'object':
    case 'map':
      return 'a map';
    case 'array':
      return 'a list';
    case 'number':
      return node.integer ? 'an integer' : 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'union':
      return [...new Set(node.options.map(describeType))].join(' or ');
    case 'any':
      return 'a value';
  }
}
