#!/usr/bin/env node
import { main } from './cli/main.js';
import { keepHeapCompact } from './util/compactHeap.js';

keepHeapCompact();
const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stderrIsTty: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
