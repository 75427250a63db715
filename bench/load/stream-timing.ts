// Time to first token and the gap between events, as a streaming client sees them, against a
// mock that paces its events like a model emitting tokens. `c` connections each run streams
// back to back for `durationS`; every event boundary ("\n\n") is timed as its bytes arrive.
import { Pool } from 'undici';
import { percentile } from './paced.js';

export interface StreamTiming {
  streams: number;
  errors: number;
  ttftP50: number;
  ttftP99: number;
  gapP50: number;
  gapP99: number;
}

const NL2 = Buffer.from('\n\n');

function countEvents(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(NL2); i >= 0; i = chunk.indexOf(NL2, i + 2)) n++;
  return n;
}

/** One stream: resolves with [ttft, ...gaps] in ms, gaps measured between arrivals of events. */
function oneStream(pool: Pool, path: string, body: string): Promise<number[] | null> {
  const t0 = performance.now();
  let last = -1;
  let status = 0;
  const times: number[] = [];
  return new Promise((resolve) => {
    pool.dispatch(
      { method: 'POST', path, body, headers: { 'content-type': 'application/json' } },
      {
        onRequestStart: () => {},
        onResponseStart: (_c, s) => void (status = s),
        onResponseData: (_c, chunk) => {
          const now = performance.now();
          const events = countEvents(chunk);
          for (let k = 0; k < events; k++) {
            times.push(last < 0 ? now - t0 : k === 0 ? now - last : 0);
            last = now;
          }
        },
        onResponseEnd: () => resolve(status === 200 && times.length > 0 ? times : null),
        onResponseError: () => resolve(null),
      },
    );
  });
}

export async function streamTiming(port: number, path: string, body: string, c: number, durationS: number): Promise<StreamTiming> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: c });
  const ttft: number[] = [];
  const gaps: number[] = [];
  let errors = 0;
  const end = performance.now() + durationS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t = await oneStream(pool, path, body);
      if (t === null) {
        errors++;
        continue;
      }
      ttft.push(t[0]!);
      for (let i = 1; i < t.length; i++) gaps.push(t[i]!);
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  await pool.close();
  const s = (a: number[]) => Float64Array.from(a).sort();
  const [t, g] = [s(ttft), s(gaps)];
  return {
    streams: ttft.length,
    errors,
    ttftP50: percentile(t, 50),
    ttftP99: percentile(t, 99),
    gapP50: percentile(g, 50),
    gapP99: percentile(g, 99),
  };
}
