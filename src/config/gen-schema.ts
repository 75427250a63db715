// `npm run gen:schema`: writes configs/schema.json.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './json-schema.js';

const out = fileURLToPath(new URL('../../configs/schema.json', import.meta.url));
writeFileSync(out, configJsonSchema());
console.log(`wrote ${out}`);
