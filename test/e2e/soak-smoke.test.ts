// The soak harness (bench/soak/) run for 15 s, so it cannot rot: the real gateway under the
// mixed faulted load, reloading every second so each bad edit comes round at least once. It
// must exit 0 with nothing lost, and must have exercised what it claims to (every outcome
// class, every request kind, valid and refused reloads). No timing is asserted: a request
// counts as hung only past the gateway's own requestTimeout plus slack, and the memory trend is
// not judged on a run this short.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BAD_EDITS } from '../../bench/soak/config.js';
import { KINDS } from '../../bench/soak/faults.js';
import type { SoakReport } from '../../bench/soak/report.js';
import { ROOT } from '../helpers/gateway-process.js';

const SECONDS = 15;
const RATE = 40;

function runSoak(out: string): Promise<{ code: number | null; output: string }> {
  const args = ['--seconds', SECONDS, '--rate', RATE, '--settle', 3, '--idle', 2, '--reload-every', 1, '--port-base', 4700, '--seed', 13];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/soak/run.ts', ...args.map(String), '--out', out], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('soak harness (15 s smoke run)', () => {
  it('exits 0 with nothing lost, having exercised every fault class, request kind and reload kind', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agw-soak-smoke-')), 'soak');
    const { code, output } = await runSoak(out);
    expect(code, output).toBe(0);
    const report = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as SoakReport;
    const t = report.tally;
    expect(t.byOutcome.lost, t.lostExamples.join('\n')).toBe(0);
    expect(t.total).toBe(SECONDS * RATE);
    expect(t.byOutcome.ok).toBeGreaterThan(0);
    expect(t.byOutcome['upstream-fault']).toBeGreaterThan(0);
    expect(t.byOutcome['client-aborted']).toBeGreaterThan(0);
    expect(Object.keys(t.byKind).sort()).toEqual(KINDS.map((k) => k.name).sort());
    const edits = new Set(report.reloads.map((r) => r.edit));
    for (const e of [...BAD_EDITS, 'valid-file', 'valid-api']) expect(edits, `reload kind ${e}`).toContain(e);
    expect(report.reloads.filter((r) => !r.ok)).toEqual([]);
    expect(report.upstreamOpen).toBe(0);
    expect(report.gatewayInflight).toBe(0);
    expect(report.gatewayExit).toBeNull();
  }, 180_000);
});
