// Upstream failures as gateway errors: unreachable is 503, too slow is 504.
import type { UpstreamFailure } from '../upstream/errors.js';
import { GatewayError } from './errors.js';

export function upstreamFailureError(f: UpstreamFailure): GatewayError {
  switch (f.kind) {
    case 'headers-timeout':
    case 'body-timeout':
      return new GatewayError(504, 'timeout_error', f.message, 'upstream', true);
    case 'connect':
    case 'tls':
      return new GatewayError(503, 'api_error', f.message, 'upstream', true);
    case 'reset':
      return new GatewayError(503, 'api_error', f.message, 'upstream', f.beforeRequestSent);
    default:
      return new GatewayError(502, 'api_error', f.message, 'upstream', false);
  }
}
