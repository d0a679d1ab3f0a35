/**
 * Structured logging. On a TTY: short human lines. Elsewhere (Cloud Run, Cloud Functions, CI): one JSON object per
 * line with Cloud Logging's field names (`severity`, `message`, `logging.googleapis.com/labels`), so that logs are
 * filterable by session and run without any client library.
 */
export const SEVERITIES = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Labels = Record<string, string>;
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(labels: Labels): Logger;
}

export interface LoggerOptions {
  labels?: Labels;
  json?: boolean;
  minSeverity?: Severity;
  write?: (line: string) => void;
}

// Keys whose values must never reach a log line, whatever the caller passes.
const SECRET_KEY = /pass(word)?|secret|token|authorization|private_?key|credential/i;

export function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (value instanceof Error) out[key] = { name: value.name, message: value.message };
    else out[key] = value;
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const labels = options.labels ?? {};
  const json = options.json ?? !process.stderr.isTTY;
  const min = SEVERITIES.indexOf(options.minSeverity ?? 'INFO');
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));

  const emit = (severity: Severity, message: string, fields: Fields = {}) => {
    if (SEVERITIES.indexOf(severity) < min) return;
    const safe = redact(fields);
    if (json) {
      const entry: Fields = { severity, message, ...safe, time: new Date().toISOString() };
      if (Object.keys(labels).length > 0) entry['logging.googleapis.com/labels'] = labels;
      write(JSON.stringify(entry));
    } else {
      const extra = Object.keys(safe).length > 0 ? ' ' + JSON.stringify(safe) : '';
      const tag = severity === 'INFO' ? '' : `${severity.toLowerCase()}: `;
      write(`${tag}${message}${extra}`);
    }
  };

  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    child: (more) => createLogger({ ...options, json, labels: { ...labels, ...more } }),
  };
}

/** A logger that keeps its lines in memory; for tests and for collecting warnings into a report. */
export function memoryLogger(): Logger & { lines: Array<{ severity: Severity; message: string; fields: Fields }> } {
  const lines: Array<{ severity: Severity; message: string; fields: Fields }> = [];
  const make = (): Logger => ({
    debug: (message, fields = {}) => lines.push({ severity: 'DEBUG', message, fields }),
    info: (message, fields = {}) => lines.push({ severity: 'INFO', message, fields }),
    warn: (message, fields = {}) => lines.push({ severity: 'WARNING', message, fields }),
    error: (message, fields = {}) => lines.push({ severity: 'ERROR', message, fields }),
    child: () => make(),
  });
  return Object.assign(make(), { lines });
}
