// Which model family a Google model id names, and how it goes into a URL path segment. The
// model ends up in the upstream path, so what a client writes must never choose the path:
// anything that is not one safe segment is escaped (Gemini API) or not treated as a model of
// that family (Vertex), as agentgateway does.

/** A single path segment: no separators, no dot segments, no escapes. */
export function isSafeSegment(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !/[/\\%?#\s]/.test(s);
}

/**
 * Gemini API `{collection}/{id}`: `models/x` and `tunedModels/x` keep their collection, a bare id
 * is a model; the id is percent-escaped so it can never open a path segment of its own.
 */
export function geminiModelResource(model: string): string {
  const slash = model.indexOf('/');
  const head = slash < 0 ? '' : model.slice(0, slash);
  const [collection, id] = head === 'models' || head === 'tunedModels' ? [head, model.slice(slash + 1)] : ['models', model];
  return `${collection}/${id.replace(/[%/]/g, (c) => encodeURIComponent(c)).replace(/[\x00-\x1f\x7f?#]/g, (c) => encodeURIComponent(c))}`;
}

const EMBEDDING_PREFIXES = [
  'text-embedding-',
  'gemini-embedding-',
  'text-multilingual-embedding-',
  'textembedding-',
  'multimodalembedding',
];

/** The Vertex publisher model id of a Gemini model (`gemini-2.5-flash`, `models/...`, `google/...`), else null. */
export function vertexGeminiModel(model: string): string | null {
  const id = afterPrefix(model, 'publishers/google/models/') ?? afterPrefix(model, 'models/') ?? afterPrefix(model, 'google/') ?? model;
  if (!isSafeSegment(id) || EMBEDDING_PREFIXES.some((p) => id.startsWith(p))) return null;
  return id.startsWith('gemini-') || id.startsWith('gemini@') ? id : null;
}

/** The Vertex publisher model id of an Anthropic model, `-YYYYMMDD` written `@YYYYMMDD`; else null. */
export function vertexAnthropicModel(model: string): string | null {
  const id =
    afterPrefix(model, 'publishers/anthropic/models/') ?? afterPrefix(model, 'anthropic/') ?? (model.startsWith('claude-') ? model : null);
  if (id === null || !isSafeSegment(id)) return null;
  const m = /^(.*)-(\d{8})$/.exec(id);
  return m ? `${m[1]}@${m[2]}` : id;
}

/** The Vertex publisher model id of an embedding model, else null. */
export function vertexEmbeddingModel(model: string): string | null {
  const id = afterPrefix(model, 'publishers/google/models/') ?? afterPrefix(model, 'models/') ?? afterPrefix(model, 'google/') ?? model;
  return isSafeSegment(id) ? id : null;
}

function afterPrefix(s: string, prefix: string): string | null {
  if (s.startsWith(prefix)) return s.slice(prefix.length);
  const at = s.indexOf(`/${prefix}`);
  return at >= 0 ? s.slice(at + 1 + prefix.length) : null;
}
