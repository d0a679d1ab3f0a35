import * as yaml from 'js-yaml';
import { InputError } from '../errors.js';
import { humanBytes } from '../units.js';

/**
 * YAML (and JSON, which is YAML) from outside, read with bounds that hold before anything large is allocated or
 * walked: the text's size, the aliases it may use, its nesting, and the number of values it holds once aliases are
 * expanded. js-yaml returns an alias as a second reference to the same object, so a 28 KB "billion laughs" file
 * costs nothing to load, but everything that walks the result (schema checks, our unknown-key walk) pays for every
 * expanded copy: 18 s and 477 MB measured before these bounds. js-yaml has the alias and depth limits; the walk
 * with a budget is ours (no kept library counts expanded size).
 */
export interface YamlLimits {
  /** Bytes of text. */
  maxBytes: number;
  /** Alias nodes (`*name`) in the document. */
  maxAliases: number;
  /** Values (mappings, sequences and scalars) once every alias is expanded. */
  maxValues: number;
  maxDepth: number;
}

export const DEFAULT_YAML_LIMITS: Omit<YamlLimits, 'maxBytes'> = { maxAliases: 100, maxValues: 100_000, maxDepth: 32 };

/** Parses `text` (a string or the bytes read) under `limits`; undefined for an empty or comments-only document. */
export function loadBoundedYaml(text: string | Buffer, source: string, limits: YamlLimits, notValid = 'is not valid YAML'): unknown {
  const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (bytes > limits.maxBytes) {
    throw new InputError(`${source} is larger than ${humanBytes(limits.maxBytes)}, the most it may hold: keep it to what the session needs`, source);
  }
  const source_ = typeof text === 'string' ? text : text.toString('utf8');
  if (isBlankYaml(source_)) return undefined;
  let data: unknown;
  try {
    data = yaml.load(source_, { maxAliases: limits.maxAliases, maxDepth: limits.maxDepth, filename: source });
  } catch (err) {
    throw new InputError(`${source} ${notValid}: ${firstLine((err as Error).message)}`, source, { cause: err });
  }
  if (!withinValueBudget(data, limits.maxValues)) {
    throw new InputError(
      `${source} holds more than ${limits.maxValues.toLocaleString('en')} values once its aliases (*name) are expanded: write the lists out instead of repeating aliases`,
      source,
    );
  }
  return data ?? undefined;
}

/** Whether walking `data` visits at most `budget` values, aliases expanded; stops as soon as it is over. */
function withinValueBudget(data: unknown, budget: number): boolean {
  let left = budget;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (--left < 0) return false;
    if (Array.isArray(value)) {
      if (value.length > left) return false;
      for (const item of value) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      const values = Object.values(value);
      if (values.length > left) return false;
      for (const item of values) stack.push(item);
    }
  }
  return true;
}

/** Empty or comments only: js-yaml 5 refuses such input, but for us it simply means "nothing to say". */
export function isBlankYaml(text: string): boolean {
  return text.split('\n').every((line) => /^\s*(#.*)?$/.test(line));
}

function firstLine(message: string): string {
  // js-yaml appends a source excerpt after the first line; the reason and position are on the first.
  return message.split('\n')[0]!.slice(0, 300);
}
