/**
 * The job image, checked on the Dockerfile (no Docker daemon is needed): multi-stage, ffmpeg in a slim runtime,
 * whisper-cli and its CPU variants built by the project's own script, models downloaded at build time into the folder
 * the job looks in by default, never at run time, a non-root user, and an ENTRYPOINT that is the compiled job/main.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { JobEnvSchema } from '../lib/config/job.js';
import { defaultSpeakerModel, SPEAKER_MODEL_FILE } from '../job/engines/speaker-model.js';
import { SPEAKER_MODEL_SHA256, SPEAKER_MODEL_URL } from '../scripts/model-sources.js';
import { modelFileNames } from '../job/engines/whisper-model.js';
import { functionsClosure } from '../scripts/stage-functions.js';
import { dockerfileEnv, instructions, parseDockerfile, stageArgs, type Stage } from './terraform/dockerfile.js';
import { ROOT } from './terraform/hcl.js';
import { requires } from './support/requires.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const script = read('scripts/build-whisper.sh');
const stages = parseDockerfile(read('Dockerfile'));
const build = stages[0]!;
const runtime = stages.at(-1)!;
const runs = (stage: Stage) => instructions(stage, 'RUN').join('\n');
const workdir = (stage: Stage) => instructions(stage, 'WORKDIR').at(-1)!;
/** `COPY [--from=x] src… dest` → { from, sources, dest } with dest made absolute against the stage's WORKDIR. */
function copies(stage: Stage): Array<{ from: string | undefined; sources: string[]; dest: string }> {
  return instructions(stage, 'COPY').map((args) => {
    const parts = args.split(/\s+/);
    const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
    const dest = parts.pop()!;
    return { from, sources: parts, dest: posix.resolve(workdir(stage), dest) };
  });
}

describe('Dockerfile', () => {
  test('is multi-stage: a build stage, then a slim Node runtime', () => {
    assert.ok(stages.length >= 2);
    assert.equal(build.name, 'build');
    assert.match(runtime.from, /^node:\$\{NODE_VERSION\}-\w+-slim$/);
    const nodeMajor = Number(/ARG NODE_VERSION=(\d+)/.exec(read('Dockerfile'))![1]);
    const engine = Number(/(\d+)/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)![1]);
    assert.ok(nodeMajor >= engine, `NODE_VERSION ${nodeMajor} below package.json engines (${engine})`);
  });

  test('the runtime installs ffmpeg and whisper-cli runtime library, and no compiler', () => {
    assert.match(runs(runtime), /apt-get install[^\n]*\bffmpeg\b/);
    assert.match(runs(runtime), /apt-get install[^\n]*\blibgomp1\b/);
    for (const list of ['wfrench', 'wamerican', 'wbritish']) assert.match(runs(runtime), new RegExp(`apt-get install[^\\n]*\\b${list}\\b`), `${list}: the glossary's ordinary words`);
    assert.doesNotMatch(runs(runtime), /\b(g\+\+|cmake|build-essential)\b/);
  });

  test('runs as a non-root user', () => {
    const users = instructions(runtime, 'USER');
    assert.ok(users.length > 0, 'no USER in the runtime stage');
    assert.doesNotMatch(users.at(-1)!, /^(root|0)(:|$)/);
    const userAt = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    const entryAt = runtime.instructions.findIndex((i) => i.keyword === 'ENTRYPOINT');
    assert.ok(userAt < entryAt);
  });

  test("ENTRYPOINT is the compiled job/main.ts, built by the stage's tsc and copied into the runtime", () => {
    const entry = JSON.parse(instructions(runtime, 'ENTRYPOINT').at(-1)!) as string[];
    assert.equal(entry[0], 'node');
    const entryFile = posix.resolve(workdir(runtime), entry[1]!);
    // Where tsc (with the config the build stage uses) writes job/main.ts.
    const tsconfig = /npx tsc -p (\S+)/.exec(runs(build))![1]!;
    const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, tsconfig), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) })!;
    assert.ok(parsed.fileNames.includes(join(ROOT, 'job', 'main.ts')), `${tsconfig} does not compile job/main.ts`);
    const emitted = ts.getOutputFileNames(parsed, join(ROOT, 'job', 'main.ts'), false).find((f) => f.endsWith('.js'))!;
    const inDist = posix.relative(parsed.options.outDir!, emitted);
    const dist = copies(runtime).find((c) => c.from === 'build' && c.sources[0] === posix.join(workdir(build), posix.basename(parsed.options.outDir!)));
    assert.ok(dist, 'the runtime does not copy the build output');
    assert.equal(entryFile, posix.join(dist.dest, inDist));
    assert.match(read('job/main.ts'), /fileURLToPath\(import\.meta\.url\) === process\.argv\[1\]/, 'main.ts must run when it is the entry');
  });

  test('builds whisper-cli with the same script as make install, and ships its folder where the job looks', () => {
    assert.match(runs(build), /^bash scripts\/build-whisper\.sh$/m, 'same script, same flags: no overrides on the command line');
    assert.match(script, /PREFIX="\$\{WHISPER_PREFIX:-vendor\/whisper\.cpp\}"/, 'scripts/build-whisper.sh no longer installs into vendor/whisper.cpp by default');
    assert.match(script, /BIN_DIR="\$PREFIX\/bin"/);
    assert.match(script, /BIN="\$BIN_DIR\/whisper-cli"/);
    // The whole bin/ folder: whisper-cli alone would start without its libraries and CPU variants.
    const folder = copies(runtime).find((c) => c.from === 'build' && c.sources[0] === posix.join(workdir(build), 'vendor/whisper.cpp/bin'));
    assert.ok(folder, 'the runtime does not copy vendor/whisper.cpp/bin (whisper-cli, its .so files and CPU variants)');
    assert.equal(folder.sources.length, 1);
    const env = dockerfileEnv(runtime);
    assert.equal(env.WHISPER_CLI, posix.join(folder.dest, 'whisper-cli'));
    // Without WHISPER_CLI the job would find it too: vendor/ under the package root (/app has package.json).
    assert.equal(folder.dest, posix.join(workdir(runtime), 'vendor/whisper.cpp/bin'));
    const pkg = copies(runtime).find((c) => c.sources[0] === posix.join(workdir(build), 'package.json'));
    assert.equal(pkg?.dest, workdir(runtime), 'package.json in WORKDIR makes it the package root the job resolves vendor/ from');
  });

  test('whisper-cli picks its CPU code at start: an AVX2 floor up to AVX-512 and AMX, all next to the binary', () => {
    assert.match(script, /LEVEL="\$\{WHISPER_CPU_LEVEL:-auto\}"/, 'runtime dispatch is the default level');
    assert.match(script, /-DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON/);
    assert.match(script, /-DCMAKE_INSTALL_RPATH='\$ORIGIN'/, 'whisper-cli must find libwhisper/libggml in its own folder');
    assert.match(script, /install -m 0644 "\$BUILD_DIR"\/bin\/libggml-cpu-\*\.so "\$STAGE\/"/, 'the CPU variants go next to whisper-cli, where ggml looks');
    const variants = /VARIANTS="\$\{WHISPER_CPU_VARIANTS:-([a-z0-9_ ]+)\}"/.exec(script)![1]!.split(' ');
    const features = ggmlVariantFeatures();
    for (const v of variants) assert.ok(features.has(v), `ggml has no CPU variant ${v}`);
    const floor = variants.filter((v) => !features.get(v)!.includes('AVX512') && !features.get(v)!.includes('AMX_TILE'));
    assert.deepEqual(floor, ['haswell'], 'one variant for AVX2-only CPUs (AMD Rome/Milan)');
    assert.deepEqual(features.get('haswell'), ['SSE42', 'AVX', 'F16C', 'FMA', 'AVX2', 'BMI2']);
    assert.ok(variants.some((v) => features.get(v)!.includes('AVX512_VNNI')), 'an AVX-512 VNNI variant');
    assert.ok(variants.some((v) => features.get(v)!.includes('AMX_INT8')), 'an AMX variant');
    // The image's check fails when no variant loads (ggml hides dlopen errors in Release builds).
    assert.match(runs(runtime), /grep '\^load_backend: loaded CPU backend from ' \/tmp\/whisper-help/);
  });

  test('the vendored whisper-cli resolves its libraries in its own folder and holds every CPU variant', (t) => {
    const bin = join(ROOT, 'vendor/whisper.cpp/bin');
    if (!requires(t, existsSync(join(bin, 'whisper-cli')) || undefined, 'vendor/whisper.cpp/bin/whisper-cli (make install)')) return;
    if (!readFileSync(join(bin, 'build-config'), 'utf8').includes('level=auto')) return t.skip('built with WHISPER_CPU_LEVEL=avx2');
    const ldd = execFileSync('ldd', [join(bin, 'whisper-cli')], { encoding: 'utf8' });
    const own = [...ldd.matchAll(/^\s*(lib(?:whisper|ggml)\S*) => (\S+)/gm)];
    assert.deepEqual(own.map(([, name]) => name).sort(), ['libggml-base.so.0', 'libggml.so.0', 'libwhisper.so.1']);
    for (const [, name, path] of own) assert.equal(dirname(path!), bin, `${name} resolves to ${path}, not next to whisper-cli`);
    const variants = /variants=([a-z0-9_ ]+)$/m.exec(readFileSync(join(bin, 'build-config'), 'utf8'))![1]!.trim().split(' ');
    const shipped = readdirSync(bin).filter((f) => f.startsWith('libggml-cpu-')).sort();
    assert.deepEqual(shipped, variants.map((v) => `libggml-cpu-${v}.so`).sort());
  });

  test('downloads the default model at build time, into the folder and name the job resolves', () => {
    const args = stageArgs(build);
    const defaultSize = JobEnvSchema.shape.WHISPER_MODEL_SIZE.parse(undefined);
    assert.equal(args.WHISPER_MODEL, defaultSize, 'the image and the job must default to the same model');
    assert.equal(stageArgs(runtime).WHISPER_MODEL, defaultSize);
    const download = /npx tsx scripts\/download-model\.ts "\$WHISPER_MODEL" --dir (\S+)/.exec(runs(build));
    assert.ok(download, 'the build stage does not run scripts/download-model.ts with --dir');
    const modelsCopy = copies(runtime).find((c) => c.from === 'build' && c.sources[0] === download[1]);
    assert.ok(modelsCopy, `${download[1]} is not copied into the runtime`);
    const env = dockerfileEnv(runtime);
    assert.equal(env.WHISPER_MODEL_DIR, modelsCopy.dest);
    assert.equal(env.WHISPER_MODEL_SIZE, defaultSize);
    // download-model.ts saves modelFileNames(size)[0]; the job tries the same list, first name first.
    assert.match(read('scripts/download-model.ts'), /const file = modelFileNames\(size\)\[0\]/);
    assert.equal(modelFileNames('large-v3-turbo')[0], 'ggml-large-v3-turbo-q8_0.bin');
    assert.equal(modelFileNames('large-v3')[0], 'ggml-large-v3-q5_0.bin');
  });

  test('copies what the model download imports before running it', () => {
    const { files } = functionsClosure(ROOT, 'scripts/download-model.ts');
    const beforeDownload = build.instructions.slice(0, build.instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes('download-model.ts')));
    const copied = beforeDownload.filter((i) => i.keyword === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.deepEqual(
      files.filter((f) => !copied.includes(f)),
      [],
    );
  });

  test('bakes in the speaker model where SPEAKER_MODEL_PATH points, by the script `make model` runs, SHA-256 checked', () => {
    const env = dockerfileEnv(runtime);
    const download = /npx tsx scripts\/download-model\.ts "\$WHISPER_MODEL" --dir (\S+)/.exec(runs(build));
    assert.ok(download && !runs(build).includes('--whisper-only'), 'the build downloads both models with the script');
    assert.equal(env.SPEAKER_MODEL_PATH, posix.join(env.WHISPER_MODEL_DIR!, SPEAKER_MODEL_FILE));
    assert.equal(defaultSpeakerModel(join(ROOT, 'no-such-models')), undefined);
    // Empty build arguments leave the script's pinned URL and hash in force.
    assert.equal(stageArgs(build).SPEAKER_MODEL_URL, '');
    assert.equal(stageArgs(build).SPEAKER_MODEL_SHA256, '');
    assert.match(read('scripts/download-model.ts'), /process\.env\.SPEAKER_MODEL_URL \|\| SPEAKER_MODEL_URL/);
    assert.match(SPEAKER_MODEL_URL, /^https:\/\/github\.com\/k2-fsa\/sherpa-onnx\/releases\/download\/speaker-recongition-models\/3dspeaker_speech_campplus_sv_en_voxceleb_16k\.onnx$/);
    assert.match(SPEAKER_MODEL_SHA256, /^[0-9a-f]{64}$/);
  });

  test("the build's self-checks import modules and names that exist", () => {
    const checks = [...runs(runtime).matchAll(/import\('\/app\/dist\/([\w/.-]+)\.js'\); [^;]*?m\.(\w+)/g)];
    assert.ok(checks.length >= 2, 'the runtime stage checks the whisper model and the speaker model');
    for (const [, module, name] of checks) {
      assert.match(read(`${module}.ts`), new RegExp(`export (async )?(function|class|const) ${name}\\b`), `${module}.ts must export ${name}`);
    }
  });

  test('never downloads at run time', () => {
    assert.doesNotMatch(runs(runtime), /\b(curl|wget|download-model)\b/);
    const sources = ['job', 'lib'].flatMap((dir) => listTs(join(ROOT, dir)));
    const offenders = sources.filter((f) => /huggingface\.co|download-model|github\.com\/k2-fsa/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  test('.dockerignore lets in every path the build stage copies', () => {
    const rules = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(rules[0], '*', 'start from nothing, add what the build needs');
    for (const copy of copies(build).filter((c) => !c.from)) {
      for (const source of copy.sources) {
        const top = source.split('/')[0]!;
        const allowed = rules.includes(`!${source}`) || (rules.includes(`!${top}/`) && (rules.includes(`!${top}/**`) || rules.includes(`!${source}`)));
        assert.ok(allowed, `.dockerignore keeps out ${source}`);
      }
    }
  });
});

/** ggml's x86 CPU variants and their features, from `ggml_add_cpu_backend_variant(name FEATURE…)` in its CMake. */
function ggmlVariantFeatures(): Map<string, string[]> {
  const lists = read('node_modules/nodejs-whisper/cpp/whisper.cpp/ggml/src/CMakeLists.txt');
  const x86 = lists.slice(lists.indexOf('if (GGML_SYSTEM_ARCH STREQUAL "x86")', lists.indexOf('if (GGML_CPU_ALL_VARIANTS)')));
  const block = x86.slice(0, x86.indexOf('elseif'));
  return new Map([...block.matchAll(/ggml_add_cpu_backend_variant\((\w+)((?: +\w+)*)\)/g)].map(([, name, feats]) => [name!, feats!.trim().split(/ +/).filter(Boolean)]));
}

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listTs(path) : path.endsWith('.ts') ? [path] : [];
  });
}
