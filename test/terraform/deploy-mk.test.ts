/**
 * deploy.mk against Terraform and Cloud Build: the names it uses are the ones Terraform creates, its bootstrap
 * targets exist, the substitutions it passes are the ones cloudbuild.yaml uses, and each target, dry-run through the
 * real Makefile (`make -n`, nothing executed), says what it is about to do before doing it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, normalize } from 'node:path';
import { before, describe, test } from 'node:test';
import * as yaml from 'js-yaml';
import { parseCli } from '../../cli/options.js';
import { loadTerraform, readText, resource, ROOT, TF_DIR, type Terraform } from './hcl.js';

const mk = readText('deploy.mk');
/** `NAME := value` (or `=`) assignments of deploy.mk, continuation lines joined. */
const assignment = (name: string): string => {
  const found = new RegExp(`^${name}\\s*:?=\\s*(.*)$`, 'm').exec(mk.replace(/\\\n/g, ' '));
  assert.ok(found, `deploy.mk: no ${name} assignment`);
  return found[1]!.trim();
};

let tf: Terraform;
before(async () => {
  tf = await loadTerraform();
});

function dryRun(...args: string[]): string {
  const run = spawnSync('make', ['--no-print-directory', '-n', ...args, 'TFVARS=terraform/terraform.tfvars.example'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `make -n ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

describe('deploy.mk', () => {
  test('uses the names Terraform gives the resources', () => {
    assert.equal(assignment('REPOSITORY'), resource(tf, 'google_artifact_registry_repository', 'images').repository_id);
    assert.equal(assignment('JOB'), resource(tf, 'google_cloud_run_v2_job', 'transcribe').name);
    assert.equal(assignment('TRIGGER_FUNCTION'), resource(tf, 'google_cloudfunctions2_function', 'trigger').name);
    assert.equal(assignment('MAILER_FUNCTION'), resource(tf, 'google_cloudfunctions2_function', 'mailer').name);
    assert.equal(assignment('SMTP_SECRET'), resource(tf, 'google_secret_manager_secret', 'smtp_password').secret_id);
    assert.equal(assignment('BUILD_ACCOUNT'), `${resource(tf, 'google_service_account', 'build').account_id}@$(PROJECT).iam.gserviceaccount.com`);
    assert.equal(assignment('DEPLOY_BUCKET'), resource(tf, 'google_storage_bucket', 'deploy').name.replace('${local.bucket_prefix}', '$(BUCKET_PREFIX)'));
    const staged = normalize(join(TF_DIR, String(tf.variables.get('functions_source_dir')!.default)));
    assert.equal(staged, join(ROOT, assignment('FUNCTIONS_SOURCE')));
  });

  test('the bootstrap targets exist, and cover what the image build needs', () => {
    const targets = assignment('BOOTSTRAP').split(/\s+/);
    for (const target of targets) {
      const [type, name] = target.split('.');
      assert.ok(tf.resources.get(type!)?.get(name!), `BOOTSTRAP names ${target}, which terraform/ does not declare`);
    }
    for (const needed of ['google_artifact_registry_repository_iam_member.build_pushes_images', 'google_storage_bucket_iam_member.build_reads_deploy', 'google_project_iam_member.build_writes_logs', 'google_secret_manager_secret.smtp_password']) {
      assert.ok(targets.includes(needed), `BOOTSTRAP must include ${needed}`);
    }
  });

  test('passes exactly the substitutions cloudbuild.yaml uses', () => {
    const build = yaml.load(readText('cloudbuild.yaml')) as { steps: Array<{ args: string[] }>; images: string[]; options: Record<string, string> };
    const used = new Set([...JSON.stringify(build).matchAll(/\$\{(_[A-Z_]+)\}/g)].map((m) => m[1]));
    const passed = new Set([.../--substitutions "([^"]+)"/.exec(mk)![1]!.matchAll(/(_[A-Z_]+)=/g)].map((m) => m[1]));
    assert.deepEqual([...passed].sort(), [...used].sort());
    assert.ok(build.steps[0]!.args.includes('--build-arg=WHISPER_MODEL=${_WHISPER_MODEL}'));
    assert.deepEqual(build.images, ['${_IMAGE}']);
    assert.equal(build.options.logging, 'CLOUD_LOGGING_ONLY', 'required when a build runs as a chosen service account');
  });

  test('the image tag changes with the model and the sources, and the model comes from terraform.tfvars', () => {
    assert.match(assignment('IMAGE_TAG'), /-\$\(WHISPER_MODEL\)$/);
    for (const input of ['Dockerfile', 'package-lock.json', 'lib', 'job', 'functions', 'scripts/build-whisper.sh']) assert.ok(assignment('IMAGE_INPUTS').includes(input), input);
    const out = dryRun('deploy');
    assert.match(out, /-var=whisper_model=large-v3-turbo/);
    assert.match(out, /-var=image_tag=[0-9a-f]{12}-large-v3-turbo/);
  });
});

describe('each target says what it is about to do', () => {
  /** Lines of the shared prerequisites (checks, build, staging), which announce themselves. */
  let prerequisites: Set<string>;
  before(() => {
    prerequisites = new Set(['deploy-check', 'build', 'functions-source'].flatMap((t) => dryRun(t).split('\n')));
  });

  /** The first command line that acts on the cloud or the tree, and the announcements before it. */
  function announcedBeforeActing(out: string, target: string): void {
    const lines = out.split('\n').filter((l) => !prerequisites.has(l));
    const acting = lines.findIndex((l) => /^\s*(terraform|gcloud|node|npx|read|printf)\b/.test(l) || /^\s*(if|bucket=|out=|latest=)/.test(l));
    assert.ok(acting >= 0, `${target}: no command`);
    const said = lines.slice(0, acting).some((l) => new RegExp(`echo "${target}[ :]`).test(l));
    assert.ok(said, `${target}: nothing announced before\n${lines.slice(0, acting + 1).join('\n')}`);
  }

  const cases: Array<[string, string[]]> = [
    ['deploy', ['deploy']],
    ['image', ['image']],
    ['upload', ['upload', 'SESSION=s1', 'DIR=rec']],
    ['status', ['status', 'SESSION=s1']],
    ['logs', ['logs']],
    ['destroy', ['destroy']],
    ['smtp-password', ['smtp-password']],
  ];
  for (const [target, args] of cases) {
    test(target, () => announcedBeforeActing(dryRun(...args), target));
  }

  test("upload passes the CLI's upload command flags it understands", () => {
    const line = /node bin\/jdr-transcriber\.js (upload .*)$/m.exec(dryRun('upload', 'SESSION=s1', 'DIR=rec', 'CONTEXT=c.yaml', 'TO=a@x.org,b@y.org', 'RECAP=1'));
    assert.ok(line, 'upload runs the CLI');
    const argv = [...line[1]!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).map((a) => (a === '$bucket' ? 'jdr-input' : a));
    assert.deepEqual(parseCli(argv, {}), {
      command: 'upload', dir: 'rec', session: 's1', context: 'c.yaml', to: ['a@x.org', 'b@y.org'], bucket: 'jdr-input', recap: true, json: false, quiet: false,
    });
  });

  test('deploy runs its five steps in order: init, bootstrap apply, secret check, image, full apply', () => {
    const out = dryRun('deploy');
    const steps = ['terraform -chdir=terraform init', '-target=google_secret_manager_secret.smtp_password', 'gcloud secrets versions list', 'gcloud builds submit', 'deploy 5/5'];
    const positions = steps.map((s) => out.indexOf(s));
    assert.ok(positions.every((p) => p >= 0), `missing steps: ${steps.filter((_, i) => positions[i]! < 0).join(', ')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    assert.match(out, /npx tsx scripts\/stage-functions\.ts \.cache\/functions-source/);
  });
});
