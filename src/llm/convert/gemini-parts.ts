// Building blocks both client formats use to write a Gemini generateContent request: media
// parts, function declarations, the thinking config per model generation, turn merging with
// function responses in call order, and the thought signature carried inside tool-call ids.
import type { Content, FunctionCall, GenerationConfig, Part, ThinkingConfig } from '../formats/gemini.js';
import { invalid, isObject, parseDataUrl } from './fields.js';
import { EFFORT_BUDGET } from './messages-from-completions-request.js';
import type { Json } from './types.js';

/**
 * Gemini 3 rejects a function call in history whose thoughtSignature is not echoed back, and
 * clients of the other formats drop unknown fields but always echo a tool call's id. So the
 * signature travels inside the id as `<id>__thought__<signature>` (agentgateway's encoding) and
 * is taken out again when the call comes back.
 */
const SIGNATURE_SEPARATOR = '__thought__';

export function joinCallId(id: string, signature: string | undefined): string {
  return signature === undefined || signature === '' ? id : `${id}${SIGNATURE_SEPARATOR}${signature}`;
}

export function splitCallId(raw: string): { id: string; signature?: string } {
  const at = raw.indexOf(SIGNATURE_SEPARATOR);
  if (at < 0 || at + SIGNATURE_SEPARATOR.length === raw.length) return { id: raw };
  return { id: raw.slice(0, at), signature: raw.slice(at + SIGNATURE_SEPARATOR.length) };
}

/** A functionCall part for a call the client echoes back (args as an object). */
export function functionCallPart(rawId: string, name: string, args: Json): Part {
  const { signature } = splitCallId(rawId);
  const call: FunctionCall = { name, args };
  return signature === undefined ? { functionCall: call } : { functionCall: call, thoughtSignature: signature };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

/** URLs Gemini reads itself: Cloud Storage objects and files uploaded with the Files API. */
function isGoogleFileUri(url: string): boolean {
  return url.startsWith('gs://') || url.startsWith('https://generativelanguage.googleapis.com/');
}

/**
 * An image, audio or document given as a data URL or a URL -> inlineData or fileData. Gemini
 * does not fetch arbitrary web URLs, so any other http(s) URL is a 400 naming the field rather
 * than an upstream error the client cannot act on.
 */
export function mediaPart(url: string, at: string, mimeHint?: string): Part {
  const inline = parseDataUrl(url);
  if (inline) return { inlineData: { mimeType: canonicalMime(inline.mediaType), data: inline.data } };
  if (url.startsWith('data:')) throw invalid(at, 'data URLs must be base64-encoded');
  if (!isGoogleFileUri(url)) {
    throw invalid(at, 'Gemini reads inline data, gs:// objects and Files API URIs only; send the content as a base64 data URL');
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(url.split(/[?#]/)[0] ?? '')?.[1]?.toLowerCase();
  const mimeType = mimeHint ?? (ext !== undefined ? MIME_BY_EXTENSION[ext] : undefined);
  return { fileData: mimeType === undefined ? { fileUri: url } : { mimeType, fileUri: url } };
}

function canonicalMime(mime: string): string {
  return mime === 'image/jpg' ? 'image/jpeg' : mime;
}

export function textPart(text: string): Part {
  return { text };
}

/**
 * Appends a turn, merging it into the previous one of the same role: Gemini wants the parallel
 * calls of one model turn answered in one user turn, and alternating roles read best.
 */
export function pushContent(contents: Content[], role: 'user' | 'model', parts: Part[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

/** A function response waiting to be placed, with the id of the call it answers. */
export interface PendingResponse {
  readonly callId: string;
  readonly part: Part;
}

/**
 * Function responses sorted into the order of the calls they answer: Gemini (Vertex in
 * particular) pairs them with the model turn's calls by position, not by id, and clients may
 * send results in completion order. `callOrder` maps a call id to its position in its turn.
 */
export function inCallOrder(pending: readonly PendingResponse[], callOrder: ReadonlyMap<string, number>): Part[] {
  const pos = (r: PendingResponse) => callOrder.get(r.callId) ?? Number.MAX_SAFE_INTEGER;
  return [...pending].sort((a, b) => pos(a) - pos(b)).map((r) => r.part);
}

/** Gemini 3 takes a thinking level; Gemini 2.x a token budget. */
export function usesThinkingLevels(model: string): boolean {
  return /(^|\/)gemini-3/.test(model);
}

/** Gemini 3's levels for an effort name (OpenAI's or Anthropic's vocabulary). */
function thinkingLevel(effort: string): string | undefined {
  switch (effort) {
    case 'minimal':
    case 'low':
    case 'medium':
      return effort;
    case 'high':
    case 'xhigh':
    case 'max':
      return 'high';
    default:
      return undefined;
  }
}

/**
 * The thinking config for an effort (`none` asks for no thinking: the model's default then
 * applies, since Gemini 2.5 Pro and Gemini 3 cannot turn it off) or an explicit token budget.
 * Thoughts are included so the client sees reasoning, as it would from the other providers.
 */
export function thinkingConfig(model: string, want: { effort?: string; budget?: number }): ThinkingConfig | undefined {
  if (usesThinkingLevels(model)) {
    const effort =
      want.effort ?? (want.budget === undefined ? undefined : want.budget < 2048 ? 'low' : want.budget < 4096 ? 'medium' : 'high');
    const level = effort === undefined ? undefined : thinkingLevel(effort);
    return level === undefined ? undefined : { thinkingLevel: level, includeThoughts: true };
  }
  const budget = want.budget ?? (want.effort === undefined ? undefined : EFFORT_BUDGET[want.effort]);
  return budget === undefined ? undefined : { thinkingBudget: budget, includeThoughts: true };
}

/** The JSON Schema of a structured-output request -> generationConfig fields. */
export function jsonOutput(schema: Json | null): Pick<GenerationConfig, 'responseMimeType' | 'responseJsonSchema'> {
  return schema === null ? { responseMimeType: 'application/json' } : { responseMimeType: 'application/json', responseJsonSchema: schema };
}

/** Drops undefined fields; an empty config is left out of the request. */
export function compactConfig(config: GenerationConfig): GenerationConfig | undefined {
  const out: GenerationConfig = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A request must hold at least one turn; a system-only prompt gets an empty user turn. */
export function nonEmpty(contents: Content[]): Content[] {
  return contents.length > 0 ? contents : [{ role: 'user', parts: [{ text: ' ' }] }];
}

export function schemaOrEmpty(v: unknown): Json {
  return isObject(v) ? v : { type: 'object', properties: {} };
}
