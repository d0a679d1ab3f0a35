/**
 * The Terraform configuration as data, for tests that check its wiring without providers (terraform validate needs
 * them; this machine cannot download them). @cdktf/hcl2json parses HCL into the JSON form: every block becomes an
 * array of bodies, and expressions stay strings such as "${var.region}".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertFiles } from '@cdktf/hcl2json';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TF_DIR = join(ROOT, 'terraform');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

export interface Terraform {
  resources: Map<string, Map<string, Body>>;
  data: Map<string, Map<string, Body>>;
  locals: Body;
  variables: Map<string, Body>;
  outputs: Map<string, Body>;
}

let cached: Promise<Terraform> | undefined;

export function loadTerraform(): Promise<Terraform> {
  cached ??= convertFiles(TF_DIR).then((json) => ({
    resources: blocks2(json.resource),
    data: blocks2(json.data),
    locals: Object.assign({}, ...((json.locals as Body[] | undefined) ?? [])) as Body,
    variables: blocks1(json.variable),
    outputs: blocks1(json.output),
  }));
  return cached;
}

function blocks1(section: Record<string, Body[]> | undefined): Map<string, Body> {
  return new Map(Object.entries(section ?? {}).map(([name, bodies]) => [name, bodies[0]!]));
}

function blocks2(section: Record<string, Record<string, Body[]>> | undefined): Map<string, Map<string, Body>> {
  return new Map(Object.entries(section ?? {}).map(([type, byName]) => [type, blocks1(byName)]));
}

/** The resources of a type, `[name, body]`. */
export function resourcesOf(tf: Terraform, type: string): Array<[string, Body]> {
  return [...(tf.resources.get(type) ?? new Map<string, Body>()).entries()];
}

export function resource(tf: Terraform, type: string, name: string): Body {
  const body = tf.resources.get(type)?.get(name);
  if (!body) throw new Error(`terraform: no resource ${type}.${name}`);
  return body;
}

/** The single nested block `name` of a body (blocks are arrays in the JSON form). */
export function block(body: Body, name: string): Body {
  const value = body[name] as Body[] | undefined;
  if (!Array.isArray(value) || value.length !== 1) throw new Error(`expected one "${name}" block, found ${Array.isArray(value) ? value.length : 'none'}`);
  return value[0]!;
}

/** Static blocks `name` and the `content` of `dynamic "name"` blocks, together. */
export function blocksIncludingDynamic(body: Body, name: string): Body[] {
  const statics = (body[name] as Body[] | undefined) ?? [];
  const dynamics = ((body.dynamic as Body[] | Body | undefined) ?? []) as Body[] | Body;
  const list = Array.isArray(dynamics) ? dynamics : [dynamics];
  const contents = list.flatMap((d) => ((d[name] as Body[] | undefined) ?? []).flatMap((entry) => (entry.content as Body[]) ?? []));
  return [...statics, ...contents];
}

/** `${google_service_account.job.email}` → [`google_service_account`, `job`]; undefined for anything else. */
export function reference(expression: unknown): [string, string] | undefined {
  const match = typeof expression === 'string' ? /^\$\{(?:data\.)?([a-z0-9_]+)\.([a-z0-9_]+)(?:\.[a-z0-9_]+)*\}$/.exec(expression) : null;
  return match ? [match[1]!, match[2]!] : undefined;
}

/** A variable's default, or undefined when it has none. */
export function variableDefault(tf: Terraform, name: string): unknown {
  const variable = tf.variables.get(name);
  if (!variable) throw new Error(`terraform: no variable ${name}`);
  return variable.default;
}

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/**
 * Evaluates the few expression forms the environment maps use, with variable values and names for resources:
 * `${var.x}`, `${var.x[0]}`, `${tostring(var.x)}`, `${join(",", var.x)}`, `${local.bucket_prefix}` and resource
 * attributes looked up in `refs` (e.g. `google_pubsub_topic.completions.id`), inside otherwise literal text.
 * Returns undefined for anything else (conditionals), which callers list explicitly.
 */
export function evaluate(expression: unknown, vars: Record<string, unknown>, refs: Record<string, string>): string | undefined {
  if (typeof expression !== 'string') return expression === undefined ? undefined : String(expression);
  let unknown = false;
  const value = expression.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    const text = inner.trim();
    let m: RegExpExecArray | null;
    if ((m = /^var\.(\w+)$/.exec(text))) return String(vars[m[1]!]);
    if ((m = /^var\.(\w+)\[(\d+)\]$/.exec(text))) return String((vars[m[1]!] as unknown[])[Number(m[2])]);
    if ((m = /^tostring\(var\.(\w+)\)$/.exec(text))) return String(vars[m[1]!]);
    if ((m = /^join\("([^"]*)",\s*var\.(\w+)\)$/.exec(text))) return (vars[m[2]!] as unknown[]).join(m[1]!);
    if (text in refs) return refs[text]!;
    unknown = true;
    return '';
  });
  return unknown ? undefined : value;
}
