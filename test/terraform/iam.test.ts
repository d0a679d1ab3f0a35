/**
 * Least privilege and private data, checked on the configuration: every IAM grant is on the allow-list below (and
 * in README.md's table, kept identical), grants are additive members only, each deployable runs as its own
 * account, and every bucket is private with a lifecycle that keeps emailed links valid.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { block, loadTerraform, readText, reference, resourcesOf, type Body, type Terraform } from './hcl.js';

/** account | role | on what — the complete list of grants (the "why" lives in README.md). */
const ALLOWED = [
  ['jdr-job', 'roles/storage.objectViewer', 'input bucket'],
  ['jdr-job', 'roles/storage.objectUser', 'output bucket'],
  ['jdr-job', 'roles/pubsub.publisher', 'topic jdr-completions'],
  ['jdr-job', 'roles/aiplatform.user', 'project'],
  ['jdr-trigger', 'roles/storage.objectViewer', 'input bucket'],
  ['jdr-trigger', 'roles/storage.objectUser', 'output bucket'],
  ['jdr-trigger', 'roles/pubsub.publisher', 'topic jdr-completions'],
  ['jdr-trigger', 'roles/run.jobsExecutorWithOverrides', 'job jdr-transcribe'],
  ['jdr-trigger', 'roles/eventarc.eventReceiver', 'project'],
  ['jdr-trigger', 'roles/run.invoker', 'function jdr-trigger'],
  ['jdr-mailer', 'roles/storage.objectUser', 'output bucket'],
  ['jdr-mailer', 'roles/secretmanager.secretAccessor', 'secret jdr-smtp-password'],
  ['jdr-mailer', 'roles/iam.serviceAccountTokenCreator', 'itself'],
  ['jdr-mailer', 'roles/eventarc.eventReceiver', 'project'],
  ['jdr-mailer', 'roles/run.invoker', 'function jdr-mailer'],
  ['jdr-build', 'roles/logging.logWriter', 'project'],
  ['jdr-build', 'roles/artifactregistry.writer', 'repository jdr'],
  ['jdr-build', 'roles/storage.objectViewer', 'deploy bucket'],
  ['jdr-build', 'roles/storage.objectViewer', 'project (buckets gcf-v2-sources-* only)'],
  ['Cloud Storage service agent', 'roles/pubsub.publisher', 'project'],
].map((row) => row.join(' | '));

let tf: Terraform;
before(async () => {
  tf = await loadTerraform();
});

/** The name attribute of the resource an expression refers to. */
function nameOf(expression: unknown): string {
  const ref = reference(expression);
  assert.ok(ref, `not a resource reference: ${String(expression)}`);
  const target = tf.resources.get(ref[0])?.get(ref[1]);
  assert.ok(target, `refers to a missing resource ${ref.join('.')}`);
  return String(target.account_id ?? target.secret_id ?? target.repository_id ?? target.name);
}

function accountOf(member: string): string {
  const expression = member.replace(/^serviceAccount:/, '');
  if (expression === '${data.google_storage_project_service_account.gcs.email_address}') return 'Cloud Storage service agent';
  assert.ok(member.startsWith('serviceAccount:${google_service_account.'), `grant to ${member}: only this deployment's service accounts and Google's agents may hold roles`);
  return nameOf(expression);
}

function targetOf(type: string, body: Body, account: string): string {
  switch (type) {
    case 'google_storage_bucket_iam_member':
      return `${reference(body.bucket)![1]} bucket`;
    case 'google_pubsub_topic_iam_member':
      return `topic ${nameOf(body.topic)}`;
    case 'google_secret_manager_secret_iam_member':
      return `secret ${nameOf(body.secret_id)}`;
    case 'google_service_account_iam_member':
      return nameOf(body.service_account_id) === account ? 'itself' : `account ${nameOf(body.service_account_id)}`;
    case 'google_cloud_run_v2_job_iam_member':
      return `job ${nameOf(body.name)}`;
    case 'google_cloud_run_v2_service_iam_member':
      return `function ${nameOf(body.name)}`;
    case 'google_artifact_registry_repository_iam_member':
      return `repository ${nameOf(body.repository)}`;
    case 'google_project_iam_member': {
      if (!body.condition) return 'project';
      const prefix = /startsWith\("projects\/_\/buckets\/([^"]+)"\)/.exec(block(body, 'condition').expression)?.[1];
      assert.ok(prefix, 'a conditional project grant must be limited to a bucket name prefix');
      return `project (buckets ${prefix}* only)`;
    }
    default:
      throw new Error(`${type}: an IAM resource this test does not know; add it to targetOf`);
  }
}

function grants(): Array<{ row: string; type: string; name: string }> {
  const out: Array<{ row: string; type: string; name: string }> = [];
  for (const type of tf.resources.keys()) {
    if (!/_iam_(member|binding|policy)$/.test(type)) continue;
    for (const [name, body] of resourcesOf(tf, type)) {
      assert.match(type, /_iam_member$/, `${type}.${name}: authoritative IAM (binding/policy) would remove grants made outside Terraform`);
      const account = accountOf(String(body.member));
      out.push({ row: `${account} | ${body.role} | ${targetOf(type, body, account)}`, type, name });
    }
  }
  return out;
}

/** Rows of the `account | role | on what | why` table in README.md, without the why. */
function documentedGrants(): string[] {
  const text = readText('README.md');
  const start = text.indexOf('| account | role | on what | why |');
  assert.ok(start >= 0, 'README.md has no `account | role | on what | why` table');
  const lines = text.slice(start).split('\n').slice(2);
  const end = lines.findIndex((l) => !l.startsWith('|'));
  return lines.slice(0, end === -1 ? undefined : end).map((l) => {
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 4, `table row: ${l}`);
    assert.ok(cells[3]!.length > 10, `say why: ${l}`);
    return cells.slice(0, 3).join(' | ');
  });
}

describe('IAM', () => {
  test('no account holds a role that is not on the allow-list', () => {
    const extra = grants()
      .filter((g) => !ALLOWED.includes(g.row))
      .map((g) => `${g.type}.${g.name}: ${g.row}`);
    assert.deepEqual(extra, []);
  });

  test('every allowed grant exists once (the list is not stale)', () => {
    const rows = grants().map((g) => g.row);
    assert.deepEqual([...rows].sort(), [...ALLOWED].sort());
  });

  test('README.md lists exactly the same grants', () => {
    assert.deepEqual(documentedGrants().sort(), [...ALLOWED].sort());
  });

  test('run.jobsExecutorWithOverrides is granted on the job only, never project-wide', () => {
    const holders = grants().filter((g) => g.row.includes('roles/run.jobsExecutorWithOverrides'));
    assert.deepEqual(
      holders.map((g) => g.type),
      ['google_cloud_run_v2_job_iam_member'],
    );
  });

  test('no basic role and no public member anywhere', () => {
    for (const type of tf.resources.keys()) {
      for (const [name, body] of resourcesOf(tf, type)) {
        const text = JSON.stringify(body);
        assert.doesNotMatch(text, /roles\/(owner|editor|viewer)"/, `${type}.${name}`);
        assert.doesNotMatch(text, /allUsers|allAuthenticatedUsers/, `${type}.${name}`);
      }
    }
    assert.equal(tf.resources.get('google_storage_bucket_acl'), undefined);
    assert.equal(tf.resources.get('google_storage_default_object_acl'), undefined);
  });

  test('each deployable runs as its own account, distinct from the others', () => {
    const job = block(block(tf.resources.get('google_cloud_run_v2_job')!.get('transcribe')!, 'template'), 'template').service_account;
    const fn = (n: string) => block(tf.resources.get('google_cloudfunctions2_function')!.get(n)!, 'service_config').service_account_email;
    const build = (n: string) => block(tf.resources.get('google_cloudfunctions2_function')!.get(n)!, 'build_config').service_account;
    const accounts = [job, fn('trigger'), fn('mailer')].map((e) => nameOf(e));
    assert.deepEqual(accounts, ['jdr-job', 'jdr-trigger', 'jdr-mailer']);
    assert.deepEqual([build('trigger'), build('mailer')].map(nameOf), ['jdr-build', 'jdr-build']);
  });
});

describe('buckets', () => {
  test('are private: uniform access and public access prevention enforced', () => {
    const buckets = resourcesOf(tf, 'google_storage_bucket');
    assert.deepEqual(buckets.map(([n]) => n).sort(), ['deploy', 'input', 'output']);
    for (const [name, body] of buckets) {
      assert.equal(body.uniform_bucket_level_access, true, `${name}: uniform_bucket_level_access`);
      assert.equal(body.public_access_prevention, 'enforced', `${name}: public_access_prevention`);
    }
  });

  test('the data buckets share one region', () => {
    const [input, output] = ['input', 'output'].map((n) => tf.resources.get('google_storage_bucket')!.get(n)!);
    assert.equal(input!.location, '${var.region}');
    assert.equal(output!.location, input!.location);
  });

  test('delete objects after N days, N at least 7 so that emailed links stay valid', () => {
    for (const [name, body] of resourcesOf(tf, 'google_storage_bucket')) {
      const all = (body.lifecycle_rule as Body[]).filter((r) => block(r, 'action').type === 'Delete');
      // Besides the retention rule, the output bucket drops the chunk audio a run that never finished left behind.
      const early = all.filter((r) => block(r, 'condition').matches_suffix !== undefined);
      for (const r of early) assert.deepEqual(block(r, 'condition').matches_suffix, ['.wav'], `${name}: only chunk audio goes early`);
      if (early.length > 0) assert.equal(name, 'output', 'only the output bucket holds chunk audio');
      const rules = all.filter((r) => !early.includes(r));
      assert.equal(rules.length, 1, `${name}: one Delete lifecycle rule for everything`);
      const age = block(rules[0]!, 'condition').age;
      if (typeof age === 'number') {
        assert.ok(age >= 7, `${name}: age ${age}`);
        continue;
      }
      const variable = /^\$\{var\.(\w+)\}$/.exec(String(age))?.[1];
      assert.ok(variable, `${name}: age must be a number or a variable`);
      const v = tf.variables.get(variable)!;
      assert.ok(Number(v.default) >= 7, `${variable} default`);
      const conditions = (v.validation as Body[]).map((x) => String(x.condition));
      assert.ok(
        conditions.some((c) => c.includes(`var.${variable} >= 7`)),
        `${variable} must be validated to be at least 7`,
      );
    }
  });
});
