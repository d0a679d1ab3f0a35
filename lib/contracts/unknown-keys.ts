import type { z } from 'zod';

/**
 * Lists the keys of `data` that `schema` does not declare, as dotted paths (`glossary.monsters`,
 * `speakers[1].voice`). zod strips unknown keys silently; our users deserve to hear that `glosary:` was ignored.
 * zod has no "warn on unknown keys" mode, hence this walk over the schema's own shape.
 */
export function unknownKeys(schema: z.ZodType, data: unknown, path = ''): string[] {
  const def = (schema as unknown as { def: SchemaDef }).def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
      return def.innerType ? unknownKeys(def.innerType, data, path) : [];
    case 'pipe':
      return def.in ? unknownKeys(def.in, data, path) : [];
    case 'union':
      // The first option that matches the data's shape decides; unions here are "string or object" forms.
      for (const option of def.options ?? []) {
        if (option.safeParse(data).success) return unknownKeys(option, data, path);
      }
      return [];
    case 'array':
      if (!Array.isArray(data) || !def.element) return [];
      return data.flatMap((item, i) => unknownKeys(def.element!, item, `${path}[${i}]`));
    case 'record':
      if (!isPlainObject(data) || !def.valueType) return [];
      // zod drops a "__proto__" key from records (rightly); it is then a key the user wrote and we ignored.
      return Object.entries(data).flatMap(([k, v]) => (k === '__proto__' ? [join(path, k)] : unknownKeys(def.valueType!, v, join(path, k))));
    case 'object': {
      if (!isPlainObject(data) || !def.shape) return [];
      const out: string[] = [];
      for (const [key, value] of Object.entries(data)) {
        // Own keys only: a key named "constructor" or "toString" must not find Object.prototype's members.
        const child = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
        if (child) out.push(...unknownKeys(child, value, join(path, key)));
        else out.push(join(path, key));
      }
      return out;
    }
    default:
      return [];
  }
}

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Formats zod issues as `field: problem` lines a user can act on. For "a name or an object" unions, zod reports
 * only "Invalid input"; the branch the input matched in shape (the one whose problems lie deeper than its root)
 * says what is actually wrong, so its problems are reported instead.
 */
export function describeIssues(error: { issues: readonly z.core.$ZodIssue[] }, prefix = ''): string[] {
  return error.issues.flatMap((issue) => {
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    if (issue.code === 'invalid_union') {
      const branch = issue.errors.find((issues) => issues.some((i) => i.path.length > 0 || i.code !== 'invalid_type'));
      if (branch) return describeIssues({ issues: branch }, `${prefix}${where}`);
    }
    const field = `${prefix}${where}`.replace(/^\./, '');
    return [field ? `${field}: ${issue.message}` : issue.message];
  });
}
