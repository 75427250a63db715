// Builds the admin UI into dist/ui: one bundled script (Preact included), the stylesheet and
// the page. Run by `npm run build:ui` (part of `npm run build`); the gateway serves the result
// from memory and loads nothing from the network.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
// uPlot's own stylesheet goes first, so the page's rules can override it.
const uplotCss = readFileSync(fileURLToPath(import.meta.resolve('uplot/dist/uPlot.min.css')), 'utf8');
writeFileSync(`${out}styles.css`, `${uplotCss}\n${readFileSync(here('./styles.css'), 'utf8')}`);
const kib = (f) => (statSync(`${out}${f}`).size / 1024).toFixed(1);
console.log(`admin UI built into ${out} (app.js ${kib('app.js')} KiB, styles.css ${kib('styles.css')} KiB)`);
