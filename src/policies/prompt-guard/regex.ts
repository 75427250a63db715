// The regex guard: every detector's matches in a text, overlaps merged (the earliest start
// wins, extended to cover the overlap), each replaced by `<ENTITY>` or, for a custom pattern,
// `<masked>` (agentgateway's placeholders).
import type { Detector } from './builtins.js';

export interface Match {
  readonly start: number;
  readonly end: number;
  readonly entity: string;
}

export function findMatches(detectors: readonly Detector[], text: string): Match[] {
  const found: Match[] = [];
  for (const d of detectors) {
    const re = d.regex;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++; // a zero-width match masks nothing
        continue;
      }
      if (d.valid === undefined || d.valid(m[0])) found.push({ start: m.index, end: m.index + m[0].length, entity: d.entity });
    }
  }
  if (found.length < 2) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Match[] = [found[0]!];
  for (let i = 1; i < found.length; i++) {
    const m = found[i]!;
    const last = merged[merged.length - 1]!;
    if (m.start < last.end) {
      if (m.end > last.end) merged[merged.length - 1] = { ...last, end: m.end };
    } else merged.push(m);
  }
  return merged;
}

/** `text` with every match (all inside it) replaced by its placeholder. */
export function maskText(text: string, matches: readonly Match[]): string {
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + `<${m.entity}>`;
    at = m.end;
  }
  return out + text.slice(at);
}
