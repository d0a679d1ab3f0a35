/**
 * A Python 3 interpreter that can import the given modules, for test setups that build models or reference values
 * with numpy/onnx (`apt-get install python3-onnx python3-numpy`). The first of `python3` on the PATH and the
 * system's /usr/bin/python3 that works; undefined when neither does, so a test can skip saying what to install.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const found = new Map<string, Promise<string | undefined>>();

export function pythonWith(modules: readonly string[]): Promise<string | undefined> {
  const key = modules.join(',');
  let hit = found.get(key);
  if (!hit) {
    hit = (async () => {
      for (const python of ['python3', '/usr/bin/python3']) {
        try {
          await run(python, ['-c', modules.map((m) => `import ${m}`).join('; ')]);
          return python;
        } catch {
          // try the next one
        }
      }
      return undefined;
    })();
    found.set(key, hit);
  }
  return hit;
}

/** Runs a Python script with `input` on stdin; resolves with stdout as bytes. */
export async function runPython(python: string, args: readonly string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, [...args], { encoding: 'buffer', maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${python} ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
    child.stdin?.end(input ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : undefined);
  });
}
