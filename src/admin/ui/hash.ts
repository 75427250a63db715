// Pages are chosen by the URL hash (`#/requests`); a page's own state (the Requests page's
// filters) rides after a `?` in the same hash, so a link can open a page already filtered.

/** The page id of `#/<page>?...`. */
export function hashPage(): string {
  const h = location.hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  return q < 0 ? h : h.slice(0, q);
}

/** The query after the page id. */
export function hashQuery(): URLSearchParams {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}

/** `#/<page>?k=v...`, leaving out empty values. */
export function pageLink(page: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? `#/${page}` : `#/${page}?${s}`;
}
