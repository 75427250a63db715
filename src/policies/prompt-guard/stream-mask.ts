// Masking a streamed answer whose text arrives in pieces, without ever sending a part of a
// match. Each text channel (a choice, a content block) keeps back the tail that could still be
// the start of a match: for a built-in detector, the trailing run of characters a match can be
// made of (an email can only continue through [A-Za-z0-9._%+@-]), capped at its longest match;
// for a custom pattern, a fixed window. Text before that point is final: any match in it was
// found with the following characters known, so it is masked now and sent; the tail waits for
// more text or the end of the channel. A reject rule that matches ends the stream.
import type { Detector } from './builtins.js';
import type { Rejection, StreamGuardRules } from './guard.js';
import { findMatches, maskText } from './regex.js';

export class StreamRejected extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

export class TextHoldback {
  private pending = '';
  /** Matches masked so far (the console's guard actions say a streamed answer was masked). */
  masked = 0;
  private readonly all: readonly Detector[];

  constructor(private readonly rules: StreamGuardRules) {
    this.all = [...rules.mask, ...rules.reject.flatMap((r) => r.detectors)];
  }

  /** Text that can be sent now, masked. Throws StreamRejected. */
  push(delta: string): string {
    if (delta === '') return '';
    const text = this.pending + delta;
    this.checkReject(text);
    const matches = findMatches(this.rules.mask, text);
    let cut = this.holdFrom(text);
    for (const m of matches) if (m.start < cut && m.end > cut) cut = m.start;
    // Never split a surrogate pair between two events.
    if (cut > 0 && cut < text.length && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
    this.pending = text.slice(cut);
    const sent = matches.filter((m) => m.end <= cut);
    this.masked += sent.length;
    return maskText(text.slice(0, cut), sent);
  }

  /** The channel ended: the rest, masked. */
  flush(): string {
    const text = this.pending;
    this.pending = '';
    if (text === '') return '';
    this.checkReject(text);
    const matches = findMatches(this.rules.mask, text);
    this.masked += matches.length;
    return maskText(text, matches);
  }

  private checkReject(text: string): void {
    for (const r of this.rules.reject) if (findMatches(r.detectors, text).length > 0) throw new StreamRejected(r.rejection);
  }

  /** Start of the tail that might still become (part of) a match. */
  private holdFrom(text: string): number {
    let cut = text.length;
    for (const d of this.all) {
      const floor = Math.max(0, text.length - d.maxLength);
      let i = text.length;
      if (d.alphabet === null) i = floor;
      else {
        while (i > floor && d.alphabet.test(text[i - 1]!)) i--;
        // Separators leading the run (the space after a word) cannot start a match.
        if (d.starts !== undefined) while (i < text.length && !d.starts.test(text[i]!)) i++;
      }
      if (i < cut) cut = i;
    }
    return cut;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
