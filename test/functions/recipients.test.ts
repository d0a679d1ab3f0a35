import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRecipients, isAllowedRecipient, type RecipientPolicy } from '../../functions/recipients.js';

const policy: RecipientPolicy = { allowed: ['@club.example', 'guest@elsewhere.example'], defaults: ['mj@club.example', 'Admin@ops.example'] };
const closed: RecipientPolicy = { allowed: [], defaults: ['mj@club.example'] };

describe('recipient allow-list', () => {
  const cases: Array<[string, RecipientPolicy, boolean]> = [
    ['alice@club.example', policy, true],
    ['ALICE@Club.Example', policy, true],
    ['guest@elsewhere.example', policy, true],
    ['other@elsewhere.example', policy, false],
    ['alice@sub.club.example', policy, false],
    ['alice@club.example.evil', policy, false],
    ['admin@ops.example', policy, true],
    ['mj@club.example', closed, true],
    ['alice@club.example', closed, false],
  ];
  for (const [address, p, allowed] of cases) {
    it(`${allowed ? 'allows' : 'refuses'} ${address}${p === closed ? ' with an empty list' : ''}`, () => {
      assert.equal(isAllowedRecipient(address, p), allowed);
    });
  }

  it('sends to the defaults when the manifest names nobody, and separates the refused', () => {
    assert.deepEqual(checkRecipients([], policy), { recipients: ['mj@club.example', 'Admin@ops.example'], refused: [] });
    assert.deepEqual(checkRecipients(['a@club.example', 'A@club.example ', 'eve@evil.example'], policy), {
      recipients: ['a@club.example'],
      refused: ['eve@evil.example'],
    });
  });
});
