// promptGuard config -> PromptGuardPolicy, once at config load (regexes built, webhook pools
// opened, rejection responses prepared).
import { durationMs } from '../../config/schema/common.js';
import type { GuardT, PromptGuardT, RejectionT } from '../../config/schema/prompt-guard.js';
import type { PolicyCompiler } from '../types.js';
import { BUILTIN_DETECTORS, customDetector, type Detector } from './builtins.js';
import { DEFAULT_REJECTION_MESSAGE, PromptGuardPolicy, type Guard, type Rejection } from './guard.js';

const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

type Path = (string | number)[];

export function compilePromptGuard(spec: PromptGuardT, path: Path, c: PolicyCompiler): PromptGuardPolicy | null {
  const request = (spec.request ?? []).map((g, i) => compileGuard(g, [...path, 'request', i], c));
  const response = (spec.response ?? []).map((g, i) => compileGuard(g, [...path, 'response', i], c));
  if (request.length + response.length === 0) return null;
  return new PromptGuardPolicy(request, response);
}

function compileGuard(g: GuardT, path: Path, c: PolicyCompiler): Guard {
  const rejection = compileRejection(g.rejection, [...path, 'rejection'], c);
  if (g.regex !== undefined) {
    const detectors: Detector[] = g.regex.rules.map((r) =>
      r.builtin !== undefined ? BUILTIN_DETECTORS[r.builtin] : customDetector(r.pattern!),
    );
    return { kind: 'regex', action: g.regex.action ?? 'mask', detectors, rejection };
  }
  const w = g.webhook!;
  return {
    kind: 'webhook',
    target: {
      endpoint: c.network.endpoint(`http://${w.target.host}`),
      timeoutMs: w.timeout !== undefined ? durationMs(w.timeout) : DEFAULT_WEBHOOK_TIMEOUT_MS,
      failOpen: w.failureMode === 'failOpen',
    },
    rejection,
  };
}

/** Rejections are errors in the client's dialect (JSON), so their framing is not configurable. */
const FIXED_HEADERS = new Set(['content-type', 'content-length']);

function compileRejection(r: RejectionT | undefined, path: Path, c: PolicyCompiler): Rejection {
  const headers: [string, string][] = [];
  const add = (n: string, v: string) => {
    const name = n.toLowerCase();
    if (FIXED_HEADERS.has(name))
      c.warn(`${path.join('.')}.headers: ${name} is ignored; a rejection is a JSON error in the client's API dialect`);
    else headers.push([name, v]);
  };
  for (const [n, v] of Object.entries(r?.headers?.set ?? {})) add(n, v);
  for (const [n, v] of Object.entries(r?.headers?.add ?? {})) add(n, v);
  if (r?.headers?.remove !== undefined)
    c.warn(`${path.join('.')}.headers.remove is ignored; a rejection carries only the headers set or added`);
  return { status: r?.status ?? 403, message: r?.body ?? DEFAULT_REJECTION_MESSAGE, headers };
}
