/**
 * The variable space: the issue's variables exist, every variable is typed and described, those with free-form values
 * are validated, variables and outputs are alphabetical, and README.md's settings table lists each one.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadTerraform, readText, type Terraform } from './hcl.js';

let tf: Terraform;
before(async () => {
  tf = await loadTerraform();
});

const NAMED_BY_THE_ISSUE = ['project_id', 'region', 'email_from', 'default_email_to', 'allowed_recipients', 'whisper_model', 'job_cpu', 'job_memory', 'task_timeout', 'attach_limit_mb', 'output_retention_days', 'deletion_protection'];
/** Free text whose validity only the server can judge, and booleans. */
const UNVALIDATED = ['deletion_protection', 'force_destroy', 'smtp_host', 'smtp_user'];

test('the variables the issue names exist', () => {
  assert.deepEqual(
    NAMED_BY_THE_ISSUE.filter((v) => !tf.variables.has(v)),
    [],
  );
});

test('every variable is typed and described, and validated unless listed', () => {
  for (const [name, v] of tf.variables) {
    assert.ok(v.type, `${name}: no type`);
    assert.ok(String(v.description ?? '').length > 10, `${name}: no description`);
    if (!UNVALIDATED.includes(name)) assert.ok(Array.isArray(v.validation) && v.validation.length > 0, `${name}: no validation block`);
    for (const rule of (v.validation ?? []) as Array<{ error_message: string }>) assert.match(rule.error_message, /\.$/, `${name}: error messages are sentences`);
  }
});

test('variables and outputs are declared in alphabetical order', () => {
  for (const file of ['terraform/variables.tf', 'terraform/outputs.tf']) {
    const names = [...readText(file).matchAll(/^(?:variable|output) "(\w+)"/gm)].map((m) => m[1]!);
    assert.deepEqual(names, [...names].sort(), file);
  }
});

test("README.md's settings table lists every variable", () => {
  const docs = readText('README.md');
  const documented = new Set([...docs.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
  assert.deepEqual(
    [...tf.variables.keys()].filter((v) => !documented.has(v)),
    [],
  );
  assert.deepEqual(
    [...documented].filter((v) => !tf.variables.has(v!)),
    [],
    'the table documents variables that no longer exist',
  );
});
