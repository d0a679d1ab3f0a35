import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../report.js';
import { renderReportJson, renderReportMarkdown } from '../writers/report.js';
import { RECAP_FILE, renderRecapMarkdown } from '../writers/recap.js';
import type { Transcript } from '../transcript.js';
import { contentTypeFor, FORMATS, renderAll, type Format, type RenderedFile, type RenderOptions } from '../writers/index.js';

/**
 * The render stage: every requested transcript format plus the QA report (and recap.md when the session has a
 * recap), as named texts, then written into one
 * local folder that the archive and upload stages take from there. Rendering is pure; only `writeRendered` touches
 * the disk.
 */
export const REPORT_FILES = { markdown: 'report.md', json: 'report.json' } as const;

export interface RenderRequest {
  formats?: readonly Format[];
  /** Added as report.md and report.json when given. */
  report?: Report;
  /** When the run happened (the Markdown header); defaults to the report's date. */
  createdAt?: Date;
  /** transcript.html: its language and the glossary names it highlights. */
  page?: Pick<RenderOptions, 'lang' | 'glossary'>;
}

export function renderOutputs(t: Transcript, request: RenderRequest = {}): RenderedFile[] {
  const { report } = request;
  const createdAt = request.createdAt ?? (report ? new Date(report.createdAt) : undefined);
  const files = renderAll(t, request.formats ?? FORMATS, { ...request.page, ...(createdAt ? { createdAt } : {}) });
  if (t.recap) files.push({ name: RECAP_FILE, contentType: contentTypeFor(RECAP_FILE), content: renderRecapMarkdown(t.session, t.recap) });
  if (report) {
    files.push(
      { name: REPORT_FILES.markdown, contentType: contentTypeFor(REPORT_FILES.markdown), content: renderReportMarkdown(report) },
      { name: REPORT_FILES.json, contentType: contentTypeFor(REPORT_FILES.json), content: renderReportJson(report) },
    );
  }
  return files;
}

/**
 * Writes the files into `dir` (created if needed) as UTF-8; returns their paths in the same order. Each file is
 * written under a temporary name and renamed, so a failure (a full disk) never leaves a truncated output behind.
 */
export async function writeRendered(files: readonly RenderedFile[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const file of files) {
    if (file.name.includes('/') || file.name.includes('\\') || file.name.startsWith('.')) {
      throw new Error(`Refusing to write output "${file.name}": an output name is a plain file name`);
    }
    const path = join(dir, file.name);
    const partial = join(dir, `.${file.name}.partial`);
    try {
      await writeFile(partial, file.content, 'utf8');
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    paths.push(path);
  }
  return paths;
}
