import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorText, parityError } from '../errors.js';
import type { Report } from './types.js';
import { renderText } from './text.js';
import { renderJunit } from './junit.js';
import { renderHtml } from './html.js';

/** The stable JSON document (pretty-printed, ends with a newline). */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export type ReportFormat = 'text' | 'json' | 'junit' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'junit', 'html'];

/** Renders one format. */
export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'text':
      return renderText(report);
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'html':
      return renderHtml(report);
  }
}

/** File names in a report directory, by format. */
export const REPORT_FILES: Record<ReportFormat, string> = { text: 'report.txt', json: 'report.json', junit: 'junit.xml', html: 'report.html' };

/** Writes every format into `dir` (created if missing); returns the paths written. Throws PARITY_ERR_FILE. */
/**
 * Makes sure reports can be written into `dir` (created when missing), so
 * that a run is not replayed only to fail on its last step: PARITY_ERR_FILE
 * naming the problem otherwise.
 */
export function prepareReportDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw parityError('PARITY_ERR_FILE', `cannot write reports into ${dir}: ${errorText(err)}; name a directory you can write to with --report`);
  }
}

export function writeReportDir(dir: string, report: Report): Record<ReportFormat, string> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw parityError('PARITY_ERR_FILE', `cannot create report directory ${dir}: ${errorText(err)}`);
  }
  const out = {} as Record<ReportFormat, string>;
  for (const format of REPORT_FORMATS) {
    const path = join(dir, REPORT_FILES[format]);
    try {
      writeFileSync(path, renderReport(report, format));
    } catch (err) {
      throw parityError('PARITY_ERR_FILE', `cannot write ${path}: ${errorText(err)}`);
    }
    out[format] = path;
  }
  return out;
}
