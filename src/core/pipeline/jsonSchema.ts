import { BUILTIN_STAGES, PIPELINE_SCHEMA, type SchemaNode } from './schema';

type Json = Record<string, unknown>;

function convert(node: SchemaNode): Json {
  const base: Json = { description: node.doc };
  switch (node.kind) {
    case 'object': {
      const out: Json = { ...base, type: 'object', additionalProperties: false, properties: Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, convert(v)])) };
      if (node.required?.length) out.required = node.required;
      return out;
    }
    case 'map':
      return { ...base, type: 'object', additionalProperties: convert(node.values) };
    case 'string':
      return { ...base, type: 'string', ...(node.enum ? { enum: node.enum } : {}) };
    case 'number': {
      const out: Json = { ...base, type: node.integer ? 'integer' : 'number' };
      for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum'] as const) if (node[k] !== undefined) out[k] = node[k];
      return out;
    }
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'array':
      return { ...base, type: 'array', items: convert(node.items), ...(node.minItems ? { minItems: node.minItems } : {}) };
    case 'union':
      return { ...base, anyOf: node.options.map(convert) };
    case 'any':
      return base;
  }
}

/** The pipeline format as a JSON Schema (draft-07) for other YAML tools; `with:` is checked per `uses:` value. */
export function pipelineJsonSchema(): Json {
  const root = convert(PIPELINE_SCHEMA);
  const stages = (root.properties as Json).stages as Json;
  const stage = stages.additionalProperties as Json;
  stage.anyOf = [{ required: ['cmd'] }, { required: ['uses'] }];
  stage.allOf = Object.entries(BUILTIN_STAGES).map(([name, args]) => ({
    if: { properties: { uses: { const: name } }, required: ['uses'] },
    then: { properties: { with: convert(args) } },
  }));
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://lathe.dev/schemas/lathe.schema.json', title: 'Lathe pipeline (lathe.yaml)', ...root };
}
