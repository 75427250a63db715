// `policies.ai.promptGuard`: request guards run on the prompt once per request, response guards
// on the answer once all attempts are done. Guards run in order and the first rejection wins
// (agentgateway). A regex guard masks or rejects; a webhook guard asks the guardrail service
// (webhook.ts), and when that fails or times out its failureMode decides: failClosed answers
// 503, failOpen lets the content through. A rejection is an error in the caller's dialect with
// the configured status, message and headers.
import type { ApiFormat, Json } from '../../llm/convert/types.js';
import { GatewayError } from '../../errors.js';
import type { ResponsePolicy } from '../types.js';
import type { Detector } from './builtins.js';
import { findMatches, maskText } from './regex.js';
import { answerSlots, messagesOf, promptSlots, replaceMessages, type TextSlot } from './texts.js';
import { checkAnswer, checkPrompt, type WebhookTarget, type WebhookVerdict } from './webhook.js';

export interface Rejection {
  readonly status: number;
  readonly message: string;
  readonly headers: readonly [string, string][];
}

export type Guard =
  | { readonly kind: 'regex'; readonly action: 'mask' | 'reject'; readonly detectors: readonly Detector[]; readonly rejection: Rejection }
  | { readonly kind: 'webhook'; readonly target: WebhookTarget; readonly rejection: Rejection };

export const DEFAULT_REJECTION_MESSAGE = 'The request was rejected due to inappropriate content';

/** Masking and rejection rules for a streamed answer (regex guards only). */
export interface StreamGuardRules {
  readonly mask: readonly Detector[];
  readonly reject: readonly { readonly detectors: readonly Detector[]; readonly rejection: Rejection }[];
}

/**
 * `policies.ai.promptGuard`: on the prompt once per request (guardPrompt, before any attempt),
 * and a response policy on the answer once all attempts are done.
 */
export class PromptGuardPolicy implements ResponsePolicy {
  /** Regex guards on the answer, for streams; null when there are none. */
  readonly streamRules: StreamGuardRules | null;
  /** A webhook guards the answer: streamed answers are held until complete. */
  readonly answerWebhook: boolean;

  constructor(
    readonly request: readonly Guard[],
    readonly response: readonly Guard[],
  ) {
    const regex = response.filter((g): g is Extract<Guard, { kind: 'regex' }> => g.kind === 'regex');
    this.streamRules =
      regex.length === 0
        ? null
        : {
            mask: regex.filter((g) => g.action === 'mask').flatMap((g) => g.detectors),
            reject: regex.filter((g) => g.action === 'reject').map((g) => ({ detectors: g.detectors, rejection: g.rejection })),
          };
    this.answerWebhook = response.some((g) => g.kind === 'webhook');
  }

  /**
   * Guards the prompt in place; throws a GatewayError (guardrail_*). Async only when a webhook
   * guards it. `noted` hears each guard that changed the prompt (the console's guard actions).
   */
  guardPrompt(body: Json, format: ApiFormat, noted: GuardNote | null = null): void | Promise<void> {
    return runGuards(this.request, () => promptSlots(body, format), checkPrompt, note(noted, 'request'));
  }

  /** Guards a complete answer (client format) in place. */
  guardAnswer(body: Json, format: ApiFormat, noted: GuardNote | null = null): void | Promise<void> {
    return runGuards(this.response, () => answerSlots(body, format), checkAnswer, note(noted, 'response'));
  }

  /** Guards the text of a streamed answer that was held until complete (webhook guards). */
  guardAnswerText(text: string, noted: GuardNote | null = null): Promise<string> | string {
    let current = text;
    const slot: TextSlot = { role: 'assistant', message: 0, get: () => current, set: (t) => (current = t), remove: () => (current = '') };
    const r = runGuards(this.response, () => [slot], checkAnswer, note(noted, 'response'));
    return r instanceof Promise ? r.then(() => current) : current;
  }
}

/** Told `request: mask (regex)`, `response: mask (webhook)` and the like, once per guard that acted. */
export type GuardNote = (action: string) => void;
type Noted = ((what: string) => void) | null;

function note(noted: GuardNote | null, side: 'request' | 'response'): Noted {
  return noted === null ? null : (what) => noted(`${side}: ${what}`);
}

type Check = (t: WebhookTarget, messages: ReturnType<typeof messagesOf>) => Promise<WebhookVerdict>;

function runGuards(guards: readonly Guard[], slotsOf: () => TextSlot[], check: Check, noted: Noted, from = 0): void | Promise<void> {
  for (let i = from; i < guards.length; i++) {
    const g = guards[i]!;
    const slots = slotsOf();
    if (g.kind === 'regex') {
      if (applyRegex(g, slots)) noted?.('mask (regex)');
      continue;
    }
    return askWebhook(g, slots, check, noted).then(() => runGuards(guards, slotsOf, check, noted, i + 1));
  }
}

/** Whether it masked anything (a rejection throws). */
function applyRegex(g: Extract<Guard, { kind: 'regex' }>, slots: readonly TextSlot[]): boolean {
  let masked = false;
  for (const s of slots) {
    const text = s.get();
    const matches = findMatches(g.detectors, text);
    if (matches.length === 0) continue;
    if (g.action === 'reject') throw rejectionError(g.rejection);
    s.set(maskText(text, matches));
    masked = true;
  }
  return masked;
}

async function askWebhook(g: Extract<Guard, { kind: 'webhook' }>, slots: readonly TextSlot[], check: Check, noted: Noted): Promise<void> {
  if (slots.length === 0) return;
  let verdict: WebhookVerdict;
  try {
    verdict = await check(g.target, messagesOf(slots));
  } catch (e) {
    if (g.target.failOpen) {
      noted?.('webhook unavailable, let through (failOpen)');
      return;
    }
    throw new GatewayError('guardrail_unavailable', `guardrail webhook failed: ${(e as Error).message}`);
  }
  if (verdict.kind === 'reject') throw rejectionError({ ...g.rejection, status: verdict.status, message: verdict.body });
  if (verdict.kind === 'mask') {
    replaceMessages(slots, verdict.texts);
    noted?.('mask (webhook)');
  }
}

export function rejectionError(r: Rejection): GatewayError {
  return new GatewayError('guardrail_rejected', r.message, { status: r.status, headers: r.headers });
}
