import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundedLabel, methodLabel } from '../../../src/observability/bounded-labels.js';
import { CounterFamily, HistogramFamily } from '../../../src/observability/metric-families.js';

describe('metric families rendered by prom-client', () => {
  it('counters and cumulative histogram buckets in the exposition format', async () => {
    const registry = new Registry();
    const c = new CounterFamily('x_requests_total', 'Requests', ['route', 'status']);
    const h = new HistogramFamily('x_duration_seconds', 'Duration', ['route'], [0.1, 1]);
    registry.registerMetric(c as never);
    registry.registerMetric(h as never);
    const child = c.child({ route: 'a"b', status: '200' });
    child.inc();
    child.inc(2);
    expect(c.child({ status: '200', route: 'a"b' })).toBe(child);
    const hc = h.child({ route: 'r' });
    for (const v of [0.05, 0.1, 0.5, 3]) hc.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('x_requests_total{route="a\\"b",status="200"} 3');
    expect(text).toContain('x_duration_seconds_bucket{route="r",le="0.1"} 2');
    expect(text).toContain('x_duration_seconds_bucket{route="r",le="1"} 3');
    expect(text).toContain('x_duration_seconds_bucket{route="r",le="+Inf"} 4');
    expect(text).toContain('x_duration_seconds_sum{route="r"} 3.65');
    expect(text).toContain('x_duration_seconds_count{route="r"} 4');
  });
});

describe('bounded label values', () => {
  it('admits values up to the cap, then folds the rest into "other"', () => {
    const l = new BoundedLabel(2);
    expect(l.value('a')).toBe('a');
    expect(l.value('b')).toBe('b');
    expect(l.value('c')).toBe('other');
    expect(l.value('a')).toBe('a');
    expect(l.value(undefined)).toBe('unknown');
    expect(new BoundedLabel(5).value('m'.repeat(500))).toHaveLength(128);
  });

  it('keeps standard methods and folds invented ones', () => {
    expect(methodLabel('POST')).toBe('POST');
    expect(methodLabel('BREW')).toBe('other');
  });
});
