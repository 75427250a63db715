// Progress timeouts for the two waits a client controls: a request body that stops arriving,
// and a response the client stops reading. An exchange is watched only while it waits (a body
// still incomplete after its first read, or a write refused for backpressure), so requests that
// arrive whole and responses the client keeps up with cost nothing. One shared timer ticks
// while anything is watched.
//
// uWS closes a socket 10 s after its last "progress" by its own rules (a body read only counts
// at >= 16 KB/s, and a stalled write counts never), which would cut both waits short of the
// configured limits. `rearm` (uWS's pause()+resume(), which re-arms that timer) is called every
// few seconds while a watch lasts, so only the gateway's limit applies.

export interface Watch {
  /** Limit in ms for this wait. */
  readonly limitMs: number;
  /** Called once when the wait exceeded its limit; the watch is already removed. */
  expired(): void;
  /** Keeps the transport's own idle timer from firing first (uWS), or undefined. */
  readonly rearm: (() => void) | undefined;
  /** Time of the last progress (ms). */
  since: number;
  /** Time of the last rearm (ms). */
  rearmed: number;
  /** Asked each tick whether progress happened that no event reports (a buffer shrinking). */
  probe?: () => boolean;
}

const TICK_MS = 250;
/** uWS's timer is 10 s with a 4 s granularity: rearming every 4 s keeps it from ever firing. */
const REARM_MS = 4000;

const watched = new Set<Watch>();
let timer: NodeJS.Timeout | null = null;

export function watch(limitMs: number, expired: () => void, rearm?: () => void): Watch {
  const now = Date.now();
  const w: Watch = { limitMs, expired, rearm, since: now, rearmed: now };
  watched.add(w);
  if (timer === null) {
    timer = setInterval(tick, TICK_MS);
    timer.unref();
  }
  return w;
}

/** Progress was made: the wait starts over. */
export function progressed(w: Watch): void {
  w.since = Date.now();
}

export function unwatch(w: Watch | null): void {
  if (w === null) return;
  watched.delete(w);
  if (watched.size === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}

function tick(): void {
  const now = Date.now();
  for (const w of watched) {
    if (w.probe?.()) w.since = now;
    if (now - w.since >= w.limitMs) {
      unwatch(w);
      w.expired();
    } else if (w.rearm !== undefined && now - w.rearmed >= REARM_MS) {
      w.rearmed = now;
      w.rearm();
    }
  }
}
