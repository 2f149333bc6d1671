import type { CaptureRecord, HeaderPair } from '../../shared/record/schema.js';

/** A POST capture record with the given URL, headers and bodies (for anonymiser tests). */
export function testRecord(opts: { url?: string; reqHeaders?: HeaderPair[]; reqBody?: string | Buffer; resHeaders?: HeaderPair[]; resBody?: string | Buffer; clientIp?: string; truncated?: boolean } = {}): CaptureRecord {
  const body = (b: string | Buffer | undefined) => {
    const bytes = Buffer.isBuffer(b) ? b : Buffer.from(b ?? '');
    return { bytes, size: bytes.length, truncated: opts.truncated ?? false };
  };
  const r: CaptureRecord = {
    v: 1,
    id: 'rec-1',
    session: 'unit',
    ts: 1,
    method: 'POST',
    url: opts.url ?? '/',
    httpVersion: '1.1',
    scheme: 'http',
    req: { headers: opts.reqHeaders ?? [], body: body(opts.reqBody) },
    res: { status: 200, headers: opts.resHeaders ?? [], body: body(opts.resBody) },
    timing: { ttfbUs: 1, totalUs: 2 },
    anonymised: [],
  };
  if (opts.clientIp) r.clientIp = opts.clientIp;
  return r;
}
