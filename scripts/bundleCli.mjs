// The command line as one file: `node dist/cli.js` then loads one module instead of resolving and
// reading a few hundred (got, winston, ajv and their dependencies), which is most of its start-up.
// The extension's own entry (dist/index.js) stays unbundled for hosts.
import { build } from 'esbuild';
import { renameSync } from 'node:fs';

/**
 * got imports http2-wrapper (and with it node:http2) at load, for its `http2` option, which the
 * ConnectWise client never sets: the command line takes a stand-in that refuses if it ever were,
 * and starts without loading HTTP/2 at all.
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^http2-wrapper$/ }, () => ({ path: 'http2-wrapper', namespace: 'without-http2' }));
    esbuild.onLoad({ filter: /.*/, namespace: 'without-http2' }, () => ({
      contents:
        "const refuse = () => { throw new Error('HTTP/2 is not part of the cwm-billing command line'); };\nexport default { get globalAgent() { return refuse(); }, get auto() { return refuse(); } };\n",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // jsonc-parser's "main" is a UMD build that requires its own files at run time: take its ES modules.
  mainFields: ['module', 'main'],
  plugins: [withoutHttp2],
  // CommonJS dependencies (winston, ajv) call require(): give the ES module bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // Less to parse at start-up; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
});
renameSync('dist/cli.bundle.js', 'dist/cli.js');
