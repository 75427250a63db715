// configs/schema.json is generated from the zod schemas (the single source of truth) so
// editors can validate and autocomplete; `npm run gen:schema` rewrites it, a test checks drift.
import { z } from 'zod';
import { Config } from './schema/root.js';

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'agentgateway config' }, null, 2)}\n`;
}
