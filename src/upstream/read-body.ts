// Reading a whole upstream answer into a string, with a bound: a body larger than `limit` bytes
// is destroyed and the read fails, so a misbehaving upstream cannot fill the gateway's memory.
export async function readBounded(body: AsyncIterable<Buffer> & { destroy(e?: Error): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) {
      body.destroy();
      throw new Error(`answer larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}
