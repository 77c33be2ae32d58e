import type { GradRule } from '../autodiff';
import { elementwiseRules } from './elementwise';
import { convRules } from './conv';
import { matmulRules } from './matmul';
import { normRules } from './norm';
import { reduceRules } from './reduce';
import { shapeRules } from './shape';
import { softmaxRules } from './softmax';

/** Gradient rules by ai.onnx op type. */
export const GRAD_RULES: Record<string, GradRule> = {
  ...elementwiseRules,
  ...matmulRules,
  ...softmaxRules,
  ...reduceRules,
  ...shapeRules,
  ...normRules,
  ...convRules,
};
