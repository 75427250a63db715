import { afterAll, describe, expect, it } from 'vitest';
import { compileObservability } from '../../../src/observability/settings.js';
import { Tracer } from '../../../src/observability/tracing.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const tracers: Tracer[] = [];

function tracer(randomSampling: boolean | number, clientSampling: boolean | number): Tracer {
  const s = compileObservability({ frontendPolicies: { tracing: { host: '127.0.0.1:9', randomSampling, clientSampling } } }, '.', () => {});
  const t = new Tracer(s.tracing!, '0.0.0-test');
  tracers.push(t);
  return t;
}

afterAll(async () => {
  await Promise.all(tracers.map((t) => t.shutdown()));
});

describe('sampling decisions', () => {
  it('no client trace and randomSampling off: nothing to record or continue', () => {
    expect(tracer(false, true).begin(undefined)).toBeNull();
  });

  it('a sampled client trace is continued: same trace id, a new span id, client span as parent', () => {
    const t = tracer(false, true).begin(`00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`)!;
    expect(t).toMatchObject({ traceId: CLIENT_TRACE, parentSpanId: CLIENT_SPAN, sampled: true });
    expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(t.spanId).not.toBe(CLIENT_SPAN);
    expect(t.traceparent).toBe(`00-${CLIENT_TRACE}-${t.spanId}-01`);
  });

  it('an unsampled client trace stays unsampled but is still propagated with our span', () => {
    const t = tracer(true, true).begin(`00-${CLIENT_TRACE}-${CLIENT_SPAN}-00`)!;
    expect(t.sampled).toBe(false);
    expect(t.traceparent).toBe(`00-${CLIENT_TRACE}-${t.spanId}-00`);
  });

  it('clientSampling false drops client traces; randomSampling true starts new ones', () => {
    expect(tracer(true, false).begin(`00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`)!.sampled).toBe(false);
    const fresh = tracer(true, false).begin('garbage')!;
    expect(fresh.sampled).toBe(true);
    expect(fresh.parentSpanId).toBeUndefined();
    expect(fresh.traceId).not.toBe(CLIENT_TRACE);
  });

  it('a sampling ratio samples about that share of requests', () => {
    const t = tracer(0.3, true);
    let sampled = 0;
    for (let i = 0; i < 4000; i++) if (t.begin(undefined)?.sampled) sampled++;
    // 0.3 * 4000 = 1200, sd ~29: far outside these bounds only if the ratio is ignored
    expect(sampled).toBeGreaterThan(1000);
    expect(sampled).toBeLessThan(1400);
  });
});
