import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSession, isControlKey, type SessionCheckInput } from '../../functions/session-check.js';
import type { ObjectInfo } from '../../lib/storage/index.js';

const policy = { allowed: ['@club.example'], defaults: ['mj@club.example'] };

function input(manifestText: string, objects: Array<Partial<ObjectInfo> & { key: string }>, texts: Record<string, string> = {}): SessionCheckInput {
  return {
    manifestText,
    manifestUri: 'gs://in/sessions/s/_READY',
    objects: objects.map((o) => ({ size: 10, ...o })),
    readBytes: async (key, maxBytes) => {
      if (texts[key] === undefined) throw new Error(`no ${key}`);
      return Buffer.from(texts[key]!).subarray(0, maxBytes);
    },
    policy,
  };
}

describe('session check', () => {
  it('accepts a complete session and reports what the run needs', async () => {
    const md5 = Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64');
    const result = await checkSession(
      input(
        'recipients: [alice@club.example]\nfiles: [{name: p1.m4a, size: 10}, {name: p2.MP3, md5: 0123456789abcdef0123456789abcdef}]\ncontext: ctx/c.yaml\ncolour: blue',
        [{ key: 'p1.m4a' }, { key: 'p2.MP3', md5 }, { key: 'ctx/c.yaml' }, { key: '_READY' }, { key: 'notes.txt' }],
        { 'ctx/c.yaml': 'glossary: {places: [Port-Sombre]}' },
      ),
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.plan.audio, ['p1.m4a', 'p2.MP3']);
    assert.deepEqual(result.plan.recipients, ['alice@club.example']);
    assert.equal(result.plan.contextKey, 'ctx/c.yaml');
    assert.match(result.plan.warnings.join(), /unknown field "colour"/);
  });

  it('uses the default context when present, and the default recipients when none are named', async () => {
    const result = await checkSession(input('', [{ key: 'a.wav' }, { key: 'context/context.yaml' }], { 'context/context.yaml': '' }));
    assert.ok(result.ok);
    assert.equal(result.plan.contextKey, 'context/context.yaml');
    assert.deepEqual(result.plan.recipients, ['mj@club.example']);
    const none = await checkSession(input('{}', [{ key: 'a.wav' }]));
    assert.ok(none.ok && none.plan.contextKey === undefined);
  });

  const refusals: Array<[string, SessionCheckInput, RegExp[]]> = [
    ['an unreadable manifest', input('files: [', [{ key: 'a.m4a' }]), [/_READY is neither valid JSON nor valid YAML/]],
    ['a manifest of the wrong shape', input('- a\n- b', [{ key: 'a.m4a' }]), [/must be a mapping of fields/]],
    ['no audio at all', input('', [{ key: 'notes.txt' }, { key: 'context/voices/a.wav' }]), [/no recording in the session folder \(found only notes\.txt\)/]],
    ['a missing listed file', input('files: [{name: a.m4a}, {name: b.m4a}]', [{ key: 'a.m4a' }]), [/b\.m4a is listed but not in the session folder/]],
    ['a truncated file', input('files: [{name: a.m4a, size: 2000}]', [{ key: 'a.m4a', size: 1000 }]), [/a\.m4a has 1000 bytes, the manifest says 2000/]],
    ['a wrong md5', input('files: [{name: a.m4a, md5: "00000000000000000000000000000000"}]', [{ key: 'a.m4a', md5: 'AQID' }]), [/does not match its md5/]],
    ['files outside the folder', input('files: [{name: ../x/a.m4a}, {name: /etc/passwd}, {name: "a\\\\b.m4a"}, {name: a//b.m4a}]', [{ key: 'a.m4a' }]), [/\.\.\/x\/a\.m4a" must stay inside/, /\/etc\/passwd" must be a plain path/, /"a\\b\.m4a" must be a plain path/, /a\/\/b\.m4a" must stay inside/]],
    ['a context outside the folder', input('context: ../../secrets.yaml', [{ key: 'a.m4a' }]), [/context: "\.\.\/\.\.\/secrets\.yaml" must stay inside/]],
    ['a named context that is missing', input('context: context/ctx.yaml', [{ key: 'a.m4a' }]), [/context\/ctx\.yaml is named in _READY but not in the session folder/]],
    ['a foreign recipient', input('recipients: [alice@club.example, eve@evil.example]', [{ key: 'a.m4a' }]), [/eve@evil\.example is not on this deployment's allow-list/]],
  ];
  for (const [name, given, expected] of refusals) {
    it(`refuses ${name}, saying so`, async () => {
      const result = await checkSession(given);
      assert.ok(!result.ok, 'refused');
      for (const e of expected) assert.match(result.problems.join('\n'), e);
    });
  }

  it('lists every problem at once and still tells the allowed recipients', async () => {
    const result = await checkSession(input('recipients: [alice@club.example, eve@evil.example]\nfiles: [{name: b.m4a}]', [{ key: 'notes.txt' }]));
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 3);
    assert.deepEqual(result.recipients, ['alice@club.example']);
  });

  it('goes ahead without a broken context, saying why (the job transcribes without it and the email says so)', async () => {
    for (const text of ['speakers: 3', 'speakers: [ {id: a', 'a: &a [1,2,3,4,5,6,7,8,9,10]\n' + Array.from({ length: 8 }, (_, i) => `l${i}: &l${i} [${Array(10).fill(i === 0 ? '*a' : `*l${i - 1}`).join(',')}]`).join('\n')]) {
      const result = await checkSession(input('', [{ key: 'a.m4a' }, { key: 'context/context.yaml' }], { 'context/context.yaml': text }));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.plan.contextKey, 'context/context.yaml');
      assert.match(result.plan.warnings.join('\n'), /context\/context\.yaml [\s\S]*transcribed without its context/);
    }
  });

  it('judges audio as the job will: by content type or container, refusing only what is certainly not a recording', async () => {
    const objects = [
      { key: 'enregistrement.3gp' },
      { key: 'zoom.mov' },
      { key: 'recorder-0001' },
      { key: 'craig.data', contentType: 'audio/flac' },
      { key: 'odd.xyz', contentType: 'application/octet-stream' },
      { key: 'notes.txt' },
      { key: 'photo.jpg' },
      { key: 'plan.pdf', contentType: 'application/pdf' },
      { key: 'readme', contentType: 'text/plain' },
    ];
    const result = await checkSession(input('', objects));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.plan.audio, ['enregistrement.3gp', 'zoom.mov', 'recorder-0001', 'craig.data', 'odd.xyz']);
    const none = await checkSession(input('', [{ key: 'notes.txt' }, { key: 'photo.jpg' }, { key: 'readme', contentType: 'text/plain' }]));
    assert.ok(!none.ok && /no recording in the session folder/.test(none.problems.join()));
  });

  it('accepts a session that holds only the zip Craig gives: the job unzips it', async () => {
    const zipOnly = await checkSession(input('', [{ key: 'craig-AbCdEf.flac.zip' }, { key: '_READY' }]));
    assert.ok(zipOnly.ok, JSON.stringify(zipOnly));
    assert.deepEqual(zipOnly.plan.audio, ['craig-AbCdEf.flac.zip']);
    const byType = await checkSession(input('', [{ key: 'download', contentType: 'application/zip' }]));
    assert.ok(byType.ok && byType.plan.audio.length === 1);
    const hidden = await checkSession(input('', [{ key: '._craig.zip' }]));
    assert.ok(!hidden.ok && /or the zip Craig gives/.test(hidden.problems.join()));
  });

  it('treats the context folder, runs, _READY and hidden files as control data', () => {
    assert.deepEqual(['_READY', 'context/voices/a.wav', 'runs/1.json', '.DS_Store', 'x/_tmp.m4a', 'a.m4a', 'sub/b.m4a'].map(isControlKey), [true, true, true, true, true, false, false]);
  });
});
