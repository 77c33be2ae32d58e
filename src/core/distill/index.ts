// The public face of core/distill: knowledge distillation of a teacher model into a small student, on core/train.
export { distillModel, type DistillRequest, type DistillResult, type ModelScore } from './job';
export { formatDistillResult } from './format';
export { buildSmallCnn, buildStudent, checkStudentModel, DEFAULT_HIDDEN, type StudentSignature, type StudentSpec } from './students';
export { predict, rowsDigest, teacherLogits, teacherSignature, type Inputs, type TeacherLogits } from './teacher';
