// Builds the admin UI into dist/ui: one bundled script (Preact included), the stylesheet and
// the page. Run by `npm run build:ui` (part of `npm run build`); the gateway serves the result
// from memory and loads nothing from the network.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [here('./main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: `${out}app.js`,
  logLevel: 'warning',
});
copyFileSync(here('./index.html'), `${out}index.html`);
copyFileSync(here('./styles.css'), `${out}styles.css`);
console.log(`admin UI built into ${out}`);
