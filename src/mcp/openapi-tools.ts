// An OpenAPI 3 document read as MCP tools, agentgateway's way: one tool per operation, named by
// its operationId, described by its description (or summary), whose input schema groups the
// operation's parameters by where they go (`path`, `query`, `header`) plus the JSON `body`.
// `$ref`s into components (schemas, parameters, request bodies) are resolved; a document this
// cannot read (no operationId, cookie parameters, several servers) is a config error.
import { parse as parseYaml } from 'yaml';

export interface OpenApiTool {
  readonly name: string;
  readonly description: string;
  readonly title?: string;
  readonly inputSchema: Record<string, unknown>;
  readonly method: string;
  /** Path template (`/pets/{id}`), without the server prefix. */
  readonly path: string;
  /** Header parameters the schema declares (only these are sent). */
  readonly headers: ReadonlySet<string>;
  readonly binaryBody: boolean;
}

export interface OpenApiSpec {
  /** Path prefix from `servers[0].url` ('' when none). */
  readonly prefix: string;
  readonly tools: readonly OpenApiTool[];
}

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const LOCATIONS = ['path', 'query', 'header'] as const;

export function parseOpenApi(text: string): OpenApiSpec {
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`not JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object') throw new Error('not an OpenAPI document (expected an object)');
  const d = doc as Json;
  if (typeof d.openapi !== 'string' || !d.openapi.startsWith('3.'))
    throw new Error('only OpenAPI 3.x documents are supported (no "openapi: 3.x" key)');
  const tools: OpenApiTool[] = [];
  for (const [path, item] of Object.entries((d.paths ?? {}) as Record<string, Json>)) {
    if (item.$ref !== undefined) throw new Error(`path ${path}: $ref path items are not supported`);
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (op !== undefined) tools.push(operationTool(d, path, method, item, op));
    }
  }
  const names = new Set<string>();
  for (const t of tools) {
    if (names.has(t.name)) throw new Error(`operationId ${t.name} is used twice`);
    names.add(t.name);
  }
  return { prefix: serverPrefix(d), tools };
}

function operationTool(doc: Json, path: string, method: string, item: Json, op: Json): OpenApiTool {
  const name = op.operationId;
  if (typeof name !== 'string' || name === '') throw new Error(`${method.toUpperCase()} ${path}: operationId is required`);
  const schema: { type: 'object'; properties: Json; required: string[] } = { type: 'object', properties: {}, required: [] };
  let binaryBody = false;
  if (op.requestBody !== undefined) {
    const body = resolve(doc, op.requestBody, 'requestBodies') as Json;
    const content = (body.content ?? {}) as Record<string, Json>;
    let bodySchema: unknown;
    if (content['application/json'] !== undefined) bodySchema = resolveDeep(doc, content['application/json'].schema ?? {}, new Set());
    else if (content['application/octet-stream'] !== undefined) {
      binaryBody = true;
      bodySchema = { type: 'string', format: 'byte', description: 'Base64-encoded binary content' };
    }
    if (bodySchema !== undefined) {
      schema.properties.body = bodySchema;
      if (body.required === true) schema.required.push('body');
    }
  }
  const params = new Map<string, Json>();
  for (const ref of [...((item.parameters ?? []) as unknown[]), ...((op.parameters ?? []) as unknown[])]) {
    const p = resolve(doc, ref, 'parameters') as Json;
    if (p.in === 'cookie') {
      if (op.parameters !== undefined && (op.parameters as unknown[]).includes(ref))
        throw new Error(`${name}: cookie parameters are not supported`);
      continue;
    }
    const key = `${p.in}:${p.in === 'header' ? String(p.name).toLowerCase() : String(p.name)}`;
    params.set(key, p); // operation parameters override path-level ones of the same name and place
  }
  const headers = new Set<string>();
  for (const loc of LOCATIONS) {
    const mine = [...params.values()].filter((p) => p.in === loc);
    if (mine.length === 0) continue;
    const sub: { type: 'object'; properties: Json; required: string[] } = { type: 'object', properties: {}, required: [] };
    for (const p of mine) {
      const pname = loc === 'header' ? String(p.name).toLowerCase() : String(p.name);
      if (p.schema === undefined) throw new Error(`${name}: parameter ${pname} has no schema (content is not supported)`);
      const s = { ...(resolveDeep(doc, p.schema, new Set()) as Json) };
      if (typeof p.description === 'string') s.description = p.description;
      sub.properties[pname] = s;
      if (p.required === true) sub.required.push(pname);
      if (loc === 'header') headers.add(pname);
    }
    schema.properties[loc] = sub;
    if (sub.required.length > 0) schema.required.push(loc);
  }
  const summary = typeof op.summary === 'string' && op.summary !== '' ? op.summary : undefined;
  const description = typeof op.description === 'string' ? op.description : (summary ?? name);
  return {
    name,
    description,
    ...(summary !== undefined ? { title: summary.slice(0, 64) } : {}),
    inputSchema: schema,
    method: method.toUpperCase(),
    path,
    headers,
    binaryBody,
  };
}

function resolve(doc: Json, v: unknown, kind: string): unknown {
  let cur = v;
  for (let depth = 0; depth < 32; depth++) {
    const ref = (cur as Json | null)?.$ref;
    if (typeof ref !== 'string') return cur;
    const prefix = `#/components/${kind}/`;
    if (!ref.startsWith(prefix)) throw new Error(`unsupported reference ${ref} (expected ${prefix}...)`);
    const target = ((doc.components as Json | undefined)?.[kind] as Json | undefined)?.[ref.slice(prefix.length)];
    if (target === undefined) throw new Error(`missing reference ${ref}`);
    cur = target;
  }
  throw new Error('reference chain too deep');
}

/** Replaces every `$ref` inside a schema by what it points to; a cycle stays a `$ref`-free `{}`. */
function resolveDeep(doc: Json, v: unknown, seen: Set<string>): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveDeep(doc, x, seen));
  if (v === null || typeof v !== 'object') return v;
  const ref = (v as Json).$ref;
  if (typeof ref === 'string') {
    if (seen.has(ref)) return {};
    return resolveDeep(doc, resolve(doc, v, 'schemas'), new Set([...seen, ref]));
  }
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) out[k] = resolveDeep(doc, x, seen);
  return out;
}

function serverPrefix(doc: Json): string {
  const servers = (doc.servers ?? []) as Json[];
  if (servers.length === 0) return '';
  if (servers.length > 1) throw new Error('several servers are not supported (the target host is the server)');
  const raw = String(servers[0]!.url ?? '');
  const rest = raw.includes('://') ? raw.slice(raw.indexOf('://') + 3) : raw.startsWith('//') ? raw.slice(2) : null;
  const path = rest === null ? raw : rest.includes('/') ? rest.slice(rest.indexOf('/')) : '';
  const clean = path.split(/[?#]/)[0]!.replace(/\/+$/, '');
  return clean === '/' ? '' : clean;
}
