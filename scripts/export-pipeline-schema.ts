// Writes schemas/lathe.schema.json from src/core/pipeline/schema.ts (the one source of truth).
// Usage: node --import tsx scripts/export-pipeline-schema.ts   (test/unit/pipeline/jsonSchema.test.ts checks it is current)
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pipelineJsonSchema } from '../src/core/pipeline/jsonSchema';

export const SCHEMA_FILE = path.resolve(__dirname, '../schemas/lathe.schema.json');

export function renderSchema(): string {
  return JSON.stringify(pipelineJsonSchema(), null, 2) + '\n';
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, renderSchema());
  console.log(`[lathe] wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
