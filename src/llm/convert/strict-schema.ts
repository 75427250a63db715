// Whether a JSON schema meets OpenAI's Structured Outputs strict mode, so `strict: true` is only
// sent where OpenAI will accept it (a schema it rejects is a 400 for the whole request; without
// `strict` the same schema still guides the model). The rules, from OpenAI's Structured Outputs
// guide ("Supported schemas", platform.openai.com/docs/guides/structured-outputs):
//   - the root is an object schema, not `anyOf`;
//   - every object sets `additionalProperties: false` and lists every property in `required`
//     (optional fields are expressed as a union with null, never by leaving them out);
//   - only the supported keywords appear (composition by `anyOf`, `$ref`/`$defs` recursion;
//     `allOf`, `not`, `if`/`then`/`else`, `patternProperties`, `dependent*` are not supported);
//   - at most 10 levels of nesting and 5000 object properties in total.
import { isObject } from './fields.js';
import type { Json } from './types.js';

const ALLOWED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'enum',
  'const',
  'description',
  'title',
  '$ref',
  '$defs',
  'definitions',
  '$schema',
  'pattern',
  'format',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
]);

const MAX_DEPTH = 10;
const MAX_PROPERTIES = 5000;

interface Budget {
  properties: number;
}

/** True when `schema` satisfies every strict-mode rule above. */
export function satisfiesStrictMode(schema: Json): boolean {
  if (schema.type !== 'object' || schema.anyOf !== undefined) return false;
  return strictNode(schema, 0, { properties: 0 });
}

function strictNode(node: unknown, depth: number, budget: Budget): boolean {
  if (!isObject(node)) return false;
  if (depth > MAX_DEPTH) return false;
  for (const key of Object.keys(node)) if (!ALLOWED.has(key)) return false;
  if (isObjectType(node) && !strictObject(node, depth, budget)) return false;
  if (node.items !== undefined && !strictNode(node.items, depth + 1, budget)) return false;
  if (node.anyOf !== undefined && !allStrict(node.anyOf, depth + 1, budget)) return false;
  for (const defs of [node.$defs, node.definitions]) {
    if (defs === undefined) continue;
    if (!isObject(defs) || !allStrict(Object.values(defs), depth + 1, budget)) return false;
  }
  return true;
}

function isObjectType(node: Json): boolean {
  return node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || node.properties !== undefined;
}

function strictObject(node: Json, depth: number, budget: Budget): boolean {
  if (node.additionalProperties !== false) return false;
  const props = node.properties ?? {};
  if (!isObject(props)) return false;
  const keys = Object.keys(props);
  budget.properties += keys.length;
  if (budget.properties > MAX_PROPERTIES) return false;
  const required = Array.isArray(node.required) ? node.required : [];
  if (!keys.every((k) => required.includes(k))) return false;
  return allStrict(Object.values(props), depth + 1, budget);
}

function allStrict(nodes: unknown, depth: number, budget: Budget): boolean {
  return Array.isArray(nodes) && nodes.every((n) => strictNode(n, depth, budget));
}
