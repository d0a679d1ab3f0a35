/**
 * `make functions-source`: stages what the two Cloud Functions need into one folder that Terraform zips
 * (terraform/functions.tf): the compiled files reachable from functions/index.ts (functions/ and lib/, never job/)
 * and a package.json listing only the npm packages those files import, at the versions installed here. The functions
 * build on Google's side then installs a few small packages instead of the job's engines (onnxruntime-node,
 * whisper.cpp sources, …).
 *
 * Usage: npx tsx scripts/stage-functions.ts [OUT_DIR]   (default .cache/functions-source; needs `make build` first)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const FUNCTIONS_ENTRY = 'functions/index.ts';

export interface FunctionsClosure {
  /** Source files reachable from the entry, relative to the root, e.g. `lib/log.ts`. */
  files: string[];
  /** npm packages imported by those files, e.g. `@google-cloud/storage`. */
  packages: string[];
}

/**
 * What a source file imports at run time, split into relative specifiers and bare package names. Parsed with the
 * TypeScript compiler, so that type-only imports, `typeof import('…')` types, comments and strings never count.
 */
export function importsOf(source: string, fileName = 'file.ts'): { relative: string[]; packages: string[] } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.importClause?.namedBindings;
      const onlyTypes = !node.importClause?.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const relativeSpecs = specs.filter((s) => s.startsWith('.'));
  const packages = specs.filter((s) => !s.startsWith('.') && !isBuiltin(s)).map(packageName);
  return { relative: relativeSpecs, packages };
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Walks relative imports from the entry (TypeScript sources, `.js` specifiers mapped back to `.ts`). */
export function functionsClosure(root: string, entry = FUNCTIONS_ENTRY): FunctionsClosure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    const path = join(root, file);
    if (!existsSync(path)) throw new Error(`${file}: imported but missing`);
    files.add(file);
    const found = importsOf(readFileSync(path, 'utf8'), file);
    for (const p of found.packages) packages.add(p);
    for (const spec of found.relative) {
      const target = relative(root, resolve(dirname(path), spec)).replace(/\.js$/, '.ts');
      pending.push(target);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The staged package.json: each imported package pinned to the installed version; all must be runtime dependencies. */
export function functionsPackageJson(rootPackage: PackageJson, packages: string[], installedVersion: (name: string) => string | undefined, nodeMajor = 22): object {
  const problems: string[] = [];
  const dependencies: Record<string, string> = {};
  for (const name of packages) {
    if (!rootPackage.dependencies?.[name]) {
      const where = rootPackage.devDependencies?.[name] ? 'is only a devDependency' : 'is not a dependency';
      problems.push(`${name} ${where} in package.json, but functions/ imports it (move it to "dependencies")`);
      continue;
    }
    dependencies[name] = installedVersion(name) ?? rootPackage.dependencies[name]!;
  }
  if (problems.length > 0) throw new Error(`Cannot stage the functions:\n  - ${problems.join('\n  - ')}`);
  return {
    name: `${rootPackage.name ?? 'app'}-functions`,
    version: rootPackage.version ?? '0.0.0',
    private: true,
    type: 'module',
    main: 'functions/index.js',
    engines: { node: `>=${nodeMajor}` },
    dependencies,
  };
}

function installedVersion(root: string, name: string): string | undefined {
  const file = join(root, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PackageJson).version : undefined;
}

/** Copies dist/<file>.js for every source file of the closure into `out`, refusing a missing or stale build. */
export function stageFunctions(root: string, out: string, dist = join(root, 'dist')): { files: number; packages: string[] } {
  const closure = functionsClosure(root);
  const stale: string[] = [];
  rmSync(out, { recursive: true, force: true });
  for (const file of closure.files) {
    const compiled = join(dist, file.replace(/\.ts$/, '.js'));
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(root, file)).mtimeMs) {
      stale.push(relative(root, compiled));
      continue;
    }
    const target = join(out, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(compiled, target);
  }
  if (stale.length > 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`Missing or older than its source: ${stale.join(', ')}. Run \`make build\` (or npx tsc -p tsconfig.build.json) first.`);
  }
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const pkg = functionsPackageJson(rootPackage, closure.packages, (name) => installedVersion(root, name));
  writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  return { files: closure.files.length, packages: closure.packages };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(process.argv[2] ?? join(root, '.cache', 'functions-source'));
  try {
    const staged = stageFunctions(root, out);
    console.log(`functions-source: ${staged.files} files and package.json (${staged.packages.join(', ')}) in ${relative(process.cwd(), out) || '.'}`);
  } catch (err) {
    console.error(`functions-source: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
