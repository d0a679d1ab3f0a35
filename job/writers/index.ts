import { OUTPUT_FORMATS, type OutputFormat } from '../../lib/config/job.js';
import type { Transcript } from '../transcript.js';
import type { PageLang } from './html-i18n.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './md.js';
import { renderRttm } from './rttm.js';
import { renderSrt } from './srt.js';
import { renderTxt } from './txt.js';
import { renderVtt } from './vtt.js';

/**
 * The writers, keyed by format as in WhisperX's `get_writer`. Each turns a Transcript into the text of one file;
 * none does I/O, so the render stage decides where files go.
 */
export const FORMATS = OUTPUT_FORMATS;
export type Format = OutputFormat;

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

export interface RenderOptions {
  /** When the run happened, for the Markdown and HTML headers. */
  createdAt?: Date;
  /** transcript.html's language (the emails'). */
  lang?: PageLang;
  /** Glossary names, highlighted in transcript.html. */
  glossary?: readonly string[];
}

export interface Writer {
  format: Format;
  fileName: string;
  contentType: string;
  render(t: Transcript, options?: RenderOptions): string;
}

export interface RenderedFile {
  name: string;
  contentType: string;
  content: string;
}

const WRITERS: Record<Format, Omit<Writer, 'format' | 'fileName'>> = {
  md: { contentType: 'text/markdown; charset=utf-8', render: renderMarkdown },
  txt: { contentType: 'text/plain; charset=utf-8', render: renderTxt },
  srt: { contentType: 'application/x-subrip; charset=utf-8', render: renderSrt },
  vtt: { contentType: 'text/vtt; charset=utf-8', render: renderVtt },
  json: { contentType: 'application/json; charset=utf-8', render: renderJson },
  rttm: { contentType: 'text/plain; charset=utf-8', render: renderRttm },
  html: { contentType: 'text/html; charset=utf-8', render: renderHtml },
};

export function getWriter(format: Format): Writer {
  const writer = WRITERS[format];
  if (!writer) throw new Error(`Unknown output format "${String(format)}": use one of ${FORMATS.join(', ')}`);
  return { format, fileName: `transcript.${format}`, ...writer };
}

export function renderAll(t: Transcript, formats: readonly Format[] = FORMATS, options: RenderOptions = {}): RenderedFile[] {
  return [...new Set(formats)].map((format) => {
    const writer = getWriter(format);
    return { name: writer.fileName, contentType: writer.contentType, content: writer.render(t, options) };
  });
}

const CONTENT_TYPES: Record<string, string> = {
  ...Object.fromEntries(FORMATS.map((f) => [f, WRITERS[f].contentType])),
  zip: 'application/zip',
  opus: 'audio/ogg',
};

/** The content type to store a file under, by its extension. */
export function contentTypeFor(fileName: string): string {
  const ext = /\.([^./]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext && CONTENT_TYPES[ext]) || 'application/octet-stream';
}
