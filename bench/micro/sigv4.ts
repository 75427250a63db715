// Per-request cost of SigV4 signing a Bedrock request (src/policies/aws-auth.ts): the first
// signature (loading @smithy/signature-v4 and the credential chain), then the steady state with
// cached signing keys, for a small and a 64 KiB body. Checks its own output (a signature verifies).
// `npx tsx bench/micro/sigv4.ts`
import { Bench } from 'tinybench';
import { AwsRequestSigner, awsLibrariesLoaded } from '../../src/policies/aws-auth.js';
import { verifySigV4 } from '../../test/helpers/sigv4-verify.js';

const keys = { accessKeyId: 'AKIABENCHMARK0000000', secretAccessKey: 'bench-secret-not-a-real-key' };
const host = 'bedrock-runtime.us-east-1.amazonaws.com';
const path = `/model/${encodeURIComponent('us.anthropic.claude-haiku-4-5-20251001-v1:0')}/converse-stream`;
const small = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Say hello to the benchmark, please.' }] }] }));
const large = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x'.repeat(64 * 1024) }] }] }));

async function main(): Promise<void> {
  const signer = new AwsRequestSigner({ region: 'us-east-1', service: 'bedrock', keys, backend: 'bench' });
  const t0 = performance.now();
  const first = await signer.headers({ method: 'POST', host, path, body: small });
  const firstMs = performance.now() - t0;
  const headers: Record<string, string> = { host };
  for (let i = 0; i < first.length; i += 2) headers[first[i]!] = first[i + 1]!;
  if (!awsLibrariesLoaded() || !verifySigV4({ method: 'POST', url: path, headers, body: small }, keys).ok)
    throw new Error('signature does not verify');
  const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 1000) });
  bench.add('sign, 150 B body', () => signer.headers({ method: 'POST', host, path, body: small }));
  bench.add('sign, 64 KiB body', () => signer.headers({ method: 'POST', host, path, body: large }));
  await bench.run();
  console.log(`first signature (loads the AWS libraries): ${firstMs.toFixed(1)} ms`);
  for (const t of bench.tasks)
    console.log(`${t.name}: ${((t.result as { latency: { p50: number } }).latency.p50 * 1000).toFixed(1)} µs (median)`);
}

void main();
