/**
 * A small Dockerfile reader for tests: stages, their instructions (continuations joined, comments dropped) and the
 * environment a stage declares, with `${ARG}` references resolved from the stage's ARG defaults.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && current === '') continue;
    if (/^\s*#/.test(line)) continue; // comment inside a continued instruction
    const continued = /\\\s*$/.test(line);
    current += (current ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (current.trim()) logical.push(current.trim());
      current = '';
    }
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\w+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ from: image, name, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

export function instructions(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** ARG defaults of a stage (ARG NAME=default). */
export function stageArgs(stage: Stage): Record<string, string> {
  const args: Record<string, string> = {};
  for (const a of instructions(stage, 'ARG')) {
    const [, name = '', value] = /^(\w+)(?:=(.*))?$/.exec(a.trim()) ?? [];
    args[name] = (value ?? '').replace(/^"(.*)"$/, '$1');
  }
  return args;
}

/** ENV of a stage (the `KEY=value` form, several per instruction), `${ARG}` resolved from its ARG defaults. */
export function dockerfileEnv(stage: Stage): Record<string, string> {
  const args = stageArgs(stage);
  const env: Record<string, string> = {};
  for (const e of instructions(stage, 'ENV')) {
    for (const [, key = '', raw = ''] of e.matchAll(/(\w+)=("[^"]*"|\S*)/g)) {
      env[key] = raw.replace(/^"(.*)"$/, '$1').replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args[a ?? b ?? ''] ?? env[a ?? b ?? ''] ?? '');
    }
  }
  return env;
}
