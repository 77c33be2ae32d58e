// The public face of core/train: training-step graphs over ONNX (autodiff, losses, optimizers), run in-process.
export { appendBackward, type GradContext, type GradRule } from './autodiff';
export { exportInference } from './export';
export { LOSS_INPUTS, type LossSpec } from './losses';
export { trainModel, type Column, type EpochMetrics, type StepMetrics, type Table, type TrainOptions, type TrainResult } from './loop';
export { STEP_INPUTS, type OptimizerSpec } from './optimizers';
export { GRAD_RULES } from './rules';
export { initialWeights, TrainingSession, type FloatArray, type SessionOptions, type StepResult } from './session';
export { buildStepModel, MIN_TRAIN_OPSET, type StepModel, type StepOptions, type TrainableTensor } from './step';
