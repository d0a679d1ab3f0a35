/**
 * What `make functions-source` stages for Terraform to zip: the files reachable from functions/index.ts (never job/)
 * and a package.json listing exactly the runtime packages they import.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { functionsClosure, functionsPackageJson, importsOf, packageName } from '../../scripts/stage-functions.js';
import { ROOT } from './hcl.js';

const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('importsOf', () => {
  test('counts run-time imports only', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '@scope/types-only';",
      "import { type C, type D } from 'only-types';",
      "import { type E, f } from 'mixed';",
      "export { g } from '../g.js';",
      "export type { H } from './h.js';",
      "import 'side-effect/register';",
      "import { readFile } from 'node:fs';",
      "import path from 'path';",
      "const lazy = await import('lazy-pkg');",
      "type T = typeof import('google-gax');",
      "// import x from 'commented';",
      "const s = 'remove it from \"recipients\"';",
    ].join('\n');
    const found = importsOf(source);
    assert.deepEqual(found.relative, ['./a.js', '../g.js']);
    assert.deepEqual(found.packages, ['mixed', 'side-effect', 'lazy-pkg']);
  });

  test('packageName keeps scopes and drops subpaths', () => {
    assert.equal(packageName('@google-cloud/storage/build/src/x'), '@google-cloud/storage');
    assert.equal(packageName('zod/v4'), 'zod');
  });
});

describe('the functions closure', () => {
  const closure = functionsClosure(ROOT);

  test('starts at functions/index.ts and stays in functions/ and lib/', () => {
    assert.ok(closure.files.includes('functions/index.ts'));
    assert.deepEqual(
      closure.files.filter((f) => !f.startsWith('functions/') && !f.startsWith('lib/')),
      [],
      'functions/ must not import job/ (DESIGN: imports go one way)',
    );
  });

  test('imports only runtime dependencies of package.json, the framework among them', () => {
    assert.ok(closure.packages.includes('@google-cloud/functions-framework'));
    assert.deepEqual(
      closure.packages.filter((p) => !rootPackage.dependencies[p]),
      [],
    );
    const staged = functionsPackageJson(rootPackage, closure.packages, () => '1.2.3') as { main: string; type: string; dependencies: Record<string, string> };
    assert.equal(staged.main, 'functions/index.js');
    assert.equal(staged.type, 'module');
    assert.deepEqual(Object.keys(staged.dependencies), closure.packages);
    assert.ok(!('onnxruntime-node' in staged.dependencies) && !('nodejs-whisper' in staged.dependencies), 'the job engines stay out of the functions');
  });

  test('a package that is only a devDependency is refused with the fix', () => {
    assert.throws(() => functionsPackageJson(rootPackage, ['tsx'], () => undefined), /tsx is only a devDependency.*move it to "dependencies"/);
  });
});
