// The web console's page: one script (React, the schema form renderer and the pages, minified) and
// one style sheet, written to dist/web and served by the reference host itself: nothing from a CDN.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web', { recursive: true });
await build({
  entryPoints: ['scripts/host/web/ui/main.tsx'],
  outfile: 'dist/web/console.js',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync('scripts/host/web/ui/console.css', 'dist/web/console.css');
