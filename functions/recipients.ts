/**
 * The recipient allow-list, set at deploy time: ALLOWED_RECIPIENTS holds addresses and `@domain` entries. An empty
 * list allows only the default recipients (EMAIL_TO), which are always allowed. Comparisons ignore case.
 * Both functions apply it: the trigger refuses a session asking for a foreign address, and the mailer drops any
 * address a message carries that the list does not allow (anyone able to publish on the topic could try).
 */
export interface RecipientPolicy {
  /** Lower-cased addresses and `@domain` entries. */
  allowed: readonly string[];
  defaults: readonly string[];
}

export function isAllowedRecipient(address: string, policy: RecipientPolicy): boolean {
  const a = address.trim().toLowerCase();
  if (policy.defaults.some((d) => d.toLowerCase() === a)) return true;
  const domain = a.slice(a.lastIndexOf('@'));
  return policy.allowed.some((entry) => (entry.startsWith('@') ? entry === domain : entry === a));
}

export interface RecipientCheck {
  /** Who gets the email: the requested addresses that are allowed, or the defaults when none was requested. */
  recipients: string[];
  refused: string[];
}

export function checkRecipients(requested: readonly string[], policy: RecipientPolicy): RecipientCheck {
  const unique: string[] = [];
  const seen = new Set<string>();
  for (const r of requested.map((a) => a.trim())) {
    if (!seen.has(r.toLowerCase())) unique.push(r);
    seen.add(r.toLowerCase());
  }
  if (unique.length === 0) return { recipients: [...policy.defaults], refused: [] };
  const refused = unique.filter((r) => !isAllowedRecipient(r, policy));
  return { recipients: unique.filter((r) => isAllowedRecipient(r, policy)), refused };
}
