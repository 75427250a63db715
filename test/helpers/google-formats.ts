// Gemini answers exactly as Google documents them (ai.google.dev/api/generate-content:
// GenerateContentResponse; the `alt=sse` stream is `data: <json>` events separated by CRLF CRLF,
// every chunk carrying the running usageMetadata, the last one the finishReason), written
// independently of the gateway's translation code.

export const GEMINI_TEXT = 'Hello! How can I help you today?';
export const GEMINI_USAGE = {
  promptTokenCount: 8,
  candidatesTokenCount: 9,
  totalTokenCount: 29,
  thoughtsTokenCount: 12,
  cachedContentTokenCount: 2,
};

function usage(prompt: number, candidates: number, thoughts: number, cached: number) {
  const u: Record<string, unknown> = {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
  };
  if (cached > 0) u.cachedContentTokenCount = cached;
  u.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
  if (thoughts > 0) u.thoughtsTokenCount = thoughts;
  return u;
}

/** The function the mock calls when the request declares tools. */
function wantsTool(req: any): string | null {
  const decl = req?.tools?.[0]?.functionDeclarations?.[0];
  const answered = (req?.contents ?? []).some((c: any) => (c.parts ?? []).some((p: any) => p.functionResponse));
  return decl && !answered ? String(decl.name) : null;
}

export function geminiResponse(req: any, model: string): object {
  const tool = wantsTool(req);
  const parts = tool
    ? [{ functionCall: { name: tool, args: { location: 'Paris' } }, thoughtSignature: 'CiQBVKhc7sig' }]
    : [{ text: 'Thinking about a greeting.', thought: true }, { text: GEMINI_TEXT }];
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', avgLogprobs: -0.12, index: 0 }],
    usageMetadata: usage(GEMINI_USAGE.promptTokenCount, GEMINI_USAGE.candidatesTokenCount, GEMINI_USAGE.thoughtsTokenCount, 2),
    modelVersion: model,
    responseId: 'Xo1KaPXdFuOmz7IP9q2MuQg',
  };
}

/** `data: {...}\r\n\r\n` events: text in three pieces (or one function call), finishReason and full usage last. */
export function geminiStream(req: any, model: string): string[] {
  const frame = (candidate: object, u: object) =>
    `data: ${JSON.stringify({ candidates: [candidate], usageMetadata: u, modelVersion: model, responseId: 'Xo1KaPXdFuOmz7IP9q2MuQg' })}\r\n\r\n`;
  const tool = wantsTool(req);
  if (tool) {
    return [
      frame(
        {
          content: {
            parts: [{ functionCall: { name: tool, args: { location: 'Paris' } }, thoughtSignature: 'CiQBVKhc7sig' }],
            role: 'model',
          },
          finishReason: 'STOP',
          index: 0,
        },
        usage(8, 5, 0, 0),
      ),
    ];
  }
  return [
    frame({ content: { parts: [{ text: 'Hello!' }], role: 'model' }, index: 0 }, usage(8, 0, 12, 0)),
    frame({ content: { parts: [{ text: ' How can I help' }], role: 'model' }, index: 0 }, usage(8, 5, 12, 0)),
    frame({ content: { parts: [{ text: ' you today?' }], role: 'model' }, finishReason: 'STOP', index: 0 }, usage(8, 9, 12, 2)),
  ];
}

/** `:batchEmbedContents`: one embedding per request, usage as the Gemini API reports it. */
export function geminiEmbeddings(req: any): object {
  const n = Array.isArray(req?.requests) ? req.requests.length : 0;
  return {
    embeddings: Array.from({ length: n }, (_, i) => ({ values: [0.25 * (i + 1), -0.5, 0.125] })),
    usageMetadata: { promptTokenCount: 4 * n, totalTokenCount: 4 * n },
  };
}

/** Vertex `:predict` for text-embedding models. */
export function vertexPredict(req: any): object {
  const n = Array.isArray(req?.instances) ? req.instances.length : 0;
  return {
    predictions: Array.from({ length: n }, (_, i) => ({
      embeddings: { values: [0.5, 0.25 * (i + 1), -1], statistics: { truncated: false, token_count: 3 } },
    })),
    metadata: { billableCharacterCount: 10 * n },
  };
}

/** Google's error body (google.rpc.Status). */
export function googleError(code: number, status: string, message: string): object {
  return { error: { code, message, status } };
}
