import { join } from 'node:path';
import type { Store } from '../lib/storage/index.js';
import type { OutputFormat } from '../lib/config.js';
import { buildReport, type Report, type ReportFacts } from './report.js';
import { buildZip, safeFileName, uploadOutputs, type UploadedFile } from './stages/archive.js';
import { renderOutputs, writeRendered } from './stages/render.js';
import type { Transcript } from './transcript.js';

/**
 * Render → archive → upload: every format and the report into a local folder, the zip beside them, then all of it
 * to the output store. The zip is named after the session.
 */
export interface WrittenOutputs {
  files: UploadedFile[];
  zip: UploadedFile;
  uris: string[];
  report: Report;
}

export async function writeOutputs(
  transcript: Transcript,
  options: { output: Store; workDir: string; formats: readonly OutputFormat[]; facts: ReportFacts; signal?: AbortSignal },
): Promise<WrittenOutputs> {
  const report = buildReport(transcript, options.facts);
  const dir = join(options.workDir, 'out');
  const paths = await writeRendered(renderOutputs(transcript, { formats: options.formats, report }), dir);
  const zipName = `${safeFileName(transcript.session)}.zip`;
  await buildZip(paths, join(dir, zipName), { folder: transcript.session });
  const files = await uploadOutputs(options.output, dir, { signal: options.signal });
  const zip = files.find((f) => f.name === zipName)!;
  return { files, zip, uris: files.map((f) => f.uri), report };
}
