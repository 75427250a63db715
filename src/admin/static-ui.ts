// The admin UI's files, built by `npm run build:ui` into dist/ui, each read into memory when it
// is first asked for (a gateway whose UI is never opened keeps none of its ~0.6 MB) and kept:
// the gateway never fetches anything at runtime and the page loads nothing from elsewhere
// (the content security policy says so to the browser too).
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/admin/static-ui.js -> dist/ui */
export const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export const UI_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export interface UiFile {
  readonly type: string;
  readonly body: Buffer;
}

class UiFileOnDisk implements UiFile {
  private bytes: Buffer | null = null;

  constructor(
    readonly type: string,
    private readonly path: string,
  ) {}

  get body(): Buffer {
    this.bytes ??= readFileSync(this.path);
    return this.bytes;
  }
}

/** name -> file; empty when the UI was not built (the server then says how to build it). */
export function loadUi(dir = UI_DIR): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type !== undefined) files.set(name, new UiFileOnDisk(type, join(dir, name)));
  }
  return files;
}
