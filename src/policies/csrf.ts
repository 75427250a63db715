// csrf, as agentgateway defines it (http/csrf.rs): safe methods pass; otherwise
// Sec-Fetch-Site `same-origin`/`none` passes, any other value fails unless the Origin is
// trusted; without Sec-Fetch-Site, a missing (or "null") Origin passes, an Origin equal to the
// request's own origin passes, a trusted one passes, anything else is a 403.
import type { CsrfT } from '../config/schema/policies.js';
import { GatewayError } from '../errors.js';
import type { PolicyRequest, RequestPolicy } from './types.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfPolicy implements RequestPolicy {
  private readonly trusted: ReadonlySet<string>;

  constructor(spec: CsrfT) {
    this.trusted = new Set(spec.additionalOrigins ?? []);
  }

  apply(req: PolicyRequest): undefined {
    if (SAFE.has(req.down.method)) return undefined;
    const origin = req.header('origin');
    const site = req.header('sec-fetch-site');
    if (site !== undefined) {
      if (site === 'same-origin' || site === 'none') return undefined;
      if (origin !== undefined && this.trusted.has(origin)) return undefined;
      throw reject('cross-origin request detected from Sec-Fetch-Site header');
    }
    if (origin === undefined || origin === 'null') return undefined;
    // The listener speaks plain HTTP, so the request's own origin is http://<Host>.
    if (origin === `http://${req.header('host') ?? ''}`) return undefined;
    if (this.trusted.has(origin)) return undefined;
    throw reject('cross-origin request detected');
  }
}

function reject(message: string): GatewayError {
  return new GatewayError('csrf_rejected', `CSRF check failed: ${message}`);
}
