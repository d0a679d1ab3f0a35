import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** An environment: process.env, or CLI flags mapped onto the same variable names. */
export type Env = Record<string, string | undefined>;

/**
 * Pieces shared by the deployables' environment parsers (trigger, mailer, cloud job). Same conventions as
 * lib/config/job.ts: empty strings mean "unset", and one ConfigError names every missing or bad variable.
 */
export const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'must be a bucket name (no gs://)');

export const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const splitList = (v: string) =>
  v
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export const emailList = z
  .string()
  .transform(splitList)
  .pipe(z.array(z.email('must be a comma-separated list of email addresses')));

/** Addresses and `@domain` entries, lower-cased. */
export const allowList = z
  .string()
  .transform((v) => splitList(v).map((s) => s.toLowerCase()))
  .pipe(
    z.array(
      z.string().refine((s) => z.email().safeParse(s).success || /^@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s), {
        message: 'must list email addresses and @domain entries (e.g. "alice@example.org, @example.org")',
      }),
    ),
  );

export const topicName = z
  .string()
  .trim()
  .regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][\w.~+%-]{2,254}$/, 'must be a full topic name: projects/PROJECT/topics/TOPIC');

/**
 * Parses `env` with `schema`, reporting every problem at once under `heading`; `extra` adds checks across variables
 * and `describe` names a variable the way the user sets it (a CLI flag). Empty strings mean "unset" (Terraform and
 * shells produce them), so defaults apply.
 */
export function parseEnvironment<S extends z.ZodObject>(
  schema: S,
  env: Env,
  heading: string,
  extra: (data: z.output<S>) => string[] = () => [],
  describe: (variable: string) => string = (v) => v,
): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0] ?? '');
      const missing = issue.code === 'invalid_type' && present[variable] === undefined;
      problems.push(`${describe(variable)}: ${missing ? 'is required' : issue.message}`);
    }
  } else {
    problems.push(...extra(result.data));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems, heading);
  return result.data;
}

/** The variables of a schema that have neither a default nor `.optional()`. */
export function requiredVariables(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, s]) => !(s as z.ZodType).safeParse(undefined).success)
    .map(([k]) => k);
}
