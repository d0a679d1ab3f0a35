/**
 * A test that needs a tool the machine may lack (python3-onnx, terraform, unshare as root) skips with a message
 * saying what to install on a developer's machine, and fails under CI=true, where .ci/run installs everything:
 * nothing skips silently in CI.
 */
import assert from 'node:assert/strict';

export const IN_CI = process.env.CI === 'true';

/** Call at the start of a test with the tool (or whether it is there): true when the test may go on. */
export function requires<T>(t: { skip(message?: string): void }, tool: T | undefined | false, what: string): tool is T {
  if (tool !== undefined && tool !== false) return true;
  if (IN_CI) assert.fail(`${what} is required under CI=true (.ci/run installs it)`);
  t.skip(`${what} is missing: install it to run this test`);
  return false;
}
