// Agent-card rewriting: the URLs a card advertises (v0.3 top-level `url` and
// `additionalInterfaces[].url`, v1.0 `supportedInterfaces[].url`) are made to point back through
// the gateway, as the client sees it, so an agent behind the gateway never hands out its
// internal address. As in agentgateway, the public base is the client's URL of the card minus
// the well-known suffix; an interface path is taken relative to the backend's own card location
// (a segment-aware prefix strip) and re-anchored at that public base. An interface outside the
// backend's card location keeps its path: host backends receive the client's path unchanged, so
// that path is how the client reaches it through the gateway.
//
// Other URLs in a card (provider, documentation, icon, OAuth endpoints) are not agent endpoints
// and are left alone. A signed card's signatures no longer verify after rewriting (the same is
// true of agentgateway); agents that sign cards should sign them for their public address.

/** Where the card is, for the client and for the backend. */
export interface CardLocation {
  /** `scheme://host[:port]` of the gateway as the client addressed it. */
  readonly publicOrigin: string;
  /** Path prefix the client used (the card path minus its well-known suffix; '' at the root). */
  readonly gatewayBase: string;
  /** Absolute URL of the card at the backend: relative interface URLs resolve against it. */
  readonly backendCardUrl: string;
  /** The backend's card path minus the well-known suffix. */
  readonly backendBase: string;
}

/**
 * Rewrites the card's endpoint URLs in place; returns how many were rewritten. URLs that do not
 * parse (not even relative to the card) are left as they are: no client could use them.
 */
export function rewriteAgentCard(card: Record<string, unknown>, at: CardLocation): number {
  let n = 0;
  if (typeof card.url === 'string') {
    const url = gatewayUrl(card.url, at);
    if (url !== undefined) {
      card.url = url;
      n++;
    }
  }
  n += rewriteInterfaces(card.additionalInterfaces, at);
  n += rewriteInterfaces(card.supportedInterfaces, at);
  return n;
}

function rewriteInterfaces(list: unknown, at: CardLocation): number {
  if (!Array.isArray(list)) return 0;
  let n = 0;
  for (const iface of list) {
    if (iface === null || typeof iface !== 'object') continue;
    const o = iface as { url?: unknown };
    if (typeof o.url !== 'string') continue;
    const url = gatewayUrl(o.url, at);
    if (url === undefined) continue;
    o.url = url;
    n++;
  }
  return n;
}

export function gatewayUrl(advertised: string, at: CardLocation): string | undefined {
  let u: URL;
  try {
    u = new URL(advertised, at.backendCardUrl);
  } catch {
    return undefined;
  }
  const rel = stripPathPrefix(u.pathname, at.backendBase);
  const path = rel === undefined ? u.pathname : at.gatewayBase + rel;
  return `${at.publicOrigin}${path}${u.search}`;
}

/** `/a/b` minus `/a` is `/b`; `/ab` is not under `/a` (segment-aware). */
export function stripPathPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '' || prefix === '/') return path;
  if (path === prefix) return '';
  if (path.startsWith(prefix) && (prefix.endsWith('/') || path.charCodeAt(prefix.length) === 0x2f)) {
    return prefix.endsWith('/') ? path.slice(prefix.length - 1) : path.slice(prefix.length);
  }
  return undefined;
}

/** Host header values that can go into a URL as they are (name or IP literal, optional port). */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/**
 * The gateway's origin as the client sees it: the Host header, with the scheme from
 * X-Forwarded-Proto when a TLS-terminating proxy in front says so (only `http` and `https` are
 * taken). Undefined when the Host header is missing or not a plain host[:port].
 */
export function publicOrigin(host: string | undefined, forwardedProto: string | undefined): string | undefined {
  if (host === undefined || !HOST.test(host)) return undefined;
  const first = forwardedProto?.split(',', 1)[0]?.trim().toLowerCase();
  const scheme = first === 'https' || first === 'http' ? first : 'http';
  return `${scheme}://${host.toLowerCase()}`;
}
