// The command line as one file: `node dist/cli.js` then loads one module instead of resolving and
// reading a few hundred (got, winston, ajv and their dependencies), which is most of its start-up.
// The extension's own entry (dist/index.js) stays unbundled for hosts.
import { build } from 'esbuild';
import { renameSync } from 'node:fs';

await build({
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // jsonc-parser's "main" is a UMD build that requires its own files at run time: take its ES modules.
  mainFields: ['module', 'main'],
  // CommonJS dependencies (winston, ajv) call require(): give the ES module bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // Less to parse at start-up; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
});
renameSync('dist/cli.bundle.js', 'dist/cli.js');
