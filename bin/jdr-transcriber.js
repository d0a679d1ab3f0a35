#!/usr/bin/env node
// The published entry: the compiled CLI (`make install` or `npm run build` produces dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('jdr-transcriber is not built yet: run `make install` (or `npm run build`) first.\n');
  process.exit(2);
}
const { main } = await import(compiled.href);
process.exit(await main());
