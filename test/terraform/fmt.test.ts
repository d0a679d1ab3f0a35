/**
 * `terraform fmt -check -recursive terraform`: the configuration is formatted the canonical way. Runs without
 * providers or network. Skipped, saying so, only where no terraform binary is installed (never under CI).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from './hcl.js';
import { requires } from '../support/requires.js';

const version = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const missing = version.error !== undefined;

test('terraform fmt -check -recursive finds nothing to reformat', (t) => {
  if (!requires(t, !missing, 'terraform >= 1.9 on PATH')) return;
  const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', 'terraform'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(fmt.status, 0, `files to reformat (run terraform fmt -recursive terraform):\n${fmt.stdout}${fmt.stderr}`);
});

test('the installed terraform meets required_version', (t) => {
  if (!requires(t, !missing, 'terraform >= 1.9 on PATH')) return;
  const found = /Terraform v(\d+)\.(\d+)/.exec(version.stdout);
  assert.ok(found, version.stdout);
  const [major, minor] = [Number(found[1]), Number(found[2])];
  assert.ok(major > 1 || minor >= 9, `terraform ${major}.${minor}: terraform/versions.tf requires >= 1.9`);
});
