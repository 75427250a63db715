// A bounded map of credentials already checked (JWTs, bcrypt-checked passwords and keys), so a
// client that sends the same credential on every request pays for the expensive check once.
// Insertion-ordered Map: when full, the oldest entry goes. Keys are keyed digests
// (credentialCacheKey), never the credential. Policies keep verified and refused credentials in
// separate instances, so a refusal can never be read as a success.
/** Refused credentials a policy remembers (a digest and a flag each: about 100 bytes). */
export const REFUSED_ENTRIES = 4096;

export class VerifiedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.map.size >= this.max && !this.map.has(key)) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
