// Native Converse clients (the AWS Bedrock SDK on `/model/{modelId}/converse[-stream]`) on a
// `detect` or `passthrough` route: the bytes go to the client as Bedrock sent them; this only reads them. The model
// is the path's model id (Converse bodies carry none), usage is the JSON response's `usage`, or the
// ConverseStream `metadata` event's, and the first token is the first `contentBlockDelta`.
// A message the reader cannot decode stops the watching, never the relay.
import type { ConverseMetadata, ConverseResponse } from '../formats/converse.js';
import { usageFromConverse } from '../formats/usage.js';
import type { Usage } from '../usage.js';
import { EventStreamReader, headerString } from './eventstream.js';

const NATIVE_PATH = /\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;

/** A Bedrock runtime operation a native client (the AWS SDK) called. */
export type BedrockOperation = 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream';

/**
 * The model id (percent-decoded, as the SDK encodes `:`) and operation of a Converse,
 * ConverseStream, InvokeModel or InvokeModelWithResponseStream path, or null.
 */
export function bedrockCallFromPath(path: string): { model: string; op: BedrockOperation } | null {
  const m = NATIVE_PATH.exec(path);
  if (m === null) return null;
  try {
    const model = decodeURIComponent(m[1]!);
    return model === '' ? null : { model, op: m[2] as BedrockOperation };
  } catch {
    return null;
  }
}

/** The model id of a Converse / ConverseStream path, or null. */
export function converseModelFromPath(path: string): string | null {
  const call = bedrockCallFromPath(path);
  return call?.op.startsWith('converse') ? call.model : null;
}

export interface ConverseWatchHooks {
  onUsage(u: Usage): void;
  onFirstToken(): void;
}

/** Usage from a complete Converse JSON response. */
export function readConverseResponse(body: Record<string, unknown>, hooks: ConverseWatchHooks): void {
  const usage = (body as ConverseResponse).usage;
  if (usage !== null && typeof usage === 'object') hooks.onUsage(usageFromConverse(usage));
}

/** Watches a ConverseStream event-stream under any chunking; never changes or holds back bytes. */
export class ConverseStreamWatch {
  private readonly reader = new EventStreamReader();
  private broken = false;
  private started = false;

  constructor(private readonly hooks: ConverseWatchHooks) {}

  push(chunk: Uint8Array): void {
    if (this.broken) return;
    try {
      for (const m of this.reader.push(chunk)) {
        if ((headerString(m, ':message-type') ?? 'event') !== 'event') continue;
        const type = headerString(m, ':event-type');
        if (type === 'contentBlockDelta' && !this.started) {
          this.started = true;
          this.hooks.onFirstToken();
        } else if (type === 'metadata') {
          this.metadata(m.body);
        }
      }
    } catch {
      this.broken = true; // a corrupt stream is the client's to notice; the gateway stops reading it
    }
  }

  end(): void {
    this.reader.end();
  }

  private metadata(body: Uint8Array): void {
    const payload = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as ConverseMetadata | null;
    const usage = payload?.usage;
    if (usage !== null && typeof usage === 'object') this.hooks.onUsage(usageFromConverse(usage));
  }
}
