// Playing a locally generated reply (the built-in mock provider) to the client: events due at
// the same moment are written together, later ones on timers that a client abort cancels.
import type { MockReply } from '../llm/providers/index.js';
import type { RequestCtx } from './context.js';
import { head } from './respond.js';

export function playLocalReply(ctx: RequestCtx, reply: MockReply, finish: (ctx: RequestCtx) => void): void {
  const down = ctx.down;
  ctx.status = reply.status;
  if (reply.usage) ctx.llm.usage.observe(reply.usage);
  if (reply.model) ctx.llm.responseModel = reply.model;
  const headers = ['content-type', reply.contentType];
  if (reply.contentType === 'text/event-stream') headers.push('cache-control', 'no-cache');
  head(ctx, reply.status, headers);
  const events = reply.events;
  let i = 0;
  let timer: NodeJS.Timeout | null = null;
  const step = (): void => {
    timer = null;
    if (down.aborted) return;
    const now = events[i]!.atMs;
    let batch = '';
    while (i < events.length && events[i]!.atMs === now) batch += events[i++]!.data;
    if (i === events.length) {
      down.end(batch);
      finish(ctx);
      return;
    }
    down.write(batch);
    timer = setTimeout(step, events[i]!.atMs - now);
  };
  down.onAbort(() => {
    if (timer !== null) clearTimeout(timer);
    finish(ctx);
  });
  const first = events[0]?.atMs ?? 0;
  if (events.length === 0) {
    down.end();
    finish(ctx);
  } else if (first === 0) step();
  else timer = setTimeout(step, first);
}
