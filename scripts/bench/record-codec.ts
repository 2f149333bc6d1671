/**
 * bench:record-codec — encode + decode cost of a capture record: the
 * MessagePack codec Parity stores in Redis against JSON with base64 bodies
 * (the obvious alternative), alternated in one run. 1 KiB JSON bodies.
 */
import { decodeRecord, encodeRecord } from '../../shared/record/codec.js';
import { fromJson, newRecordId, toJson } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';

const body = Buffer.from(JSON.stringify({ items: Array.from({ length: 12 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 3.5, tags: ['a', 'b'] })) }).slice(0, 1024));
const record: CaptureRecord = {
  v: 1,
  id: newRecordId(1),
  session: 'bench',
  ts: 1_700_000_000_000_000,
  method: 'GET',
  url: '/api/items?page=2',
  httpVersion: '1.1',
  host: 'shop.example',
  scheme: 'http',
  req: { headers: [['host', 'shop.example'], ['accept', 'application/json'], ['user-agent', 'bench/1.0']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } },
  res: { status: 200, headers: [['content-type', 'application/json'], ['content-length', String(body.length)]], body: { bytes: body, size: body.length, truncated: false } },
  timing: { ttfbUs: 800, totalUs: 900 },
  anonymised: [],
};

const N = 50_000;
function runMsgpack(): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) decodeRecord(encodeRecord(record));
  return Number(process.hrtime.bigint() - t) / N;
}
function runJson(): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fromJson(JSON.parse(JSON.stringify(toJson(record))));
  return Number(process.hrtime.bigint() - t) / N;
}
function runJsonNoValidate(): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) JSON.parse(JSON.stringify(toJson(record)));
  return Number(process.hrtime.bigint() - t) / N;
}

runMsgpack();
runJson();
const ratios: number[] = [];
const sizes = { msgpack: encodeRecord(record).length, json: Buffer.byteLength(JSON.stringify(toJson(record))) };
for (let pair = 1; pair <= 4; pair++) {
  const m = runMsgpack();
  const j = runJsonNoValidate();
  const jv = runJson();
  ratios.push(j / m);
  console.log(`pair ${pair}: msgpack ${(m / 1000).toFixed(2)} µs/record, json+base64 ${(j / 1000).toFixed(2)} µs, json+zod ${(jv / 1000).toFixed(2)} µs, json/msgpack ${(j / m).toFixed(2)}`);
}
ratios.sort((a, b) => a - b);
const median = (ratios[1]! + ratios[2]!) / 2;
console.log(`sizes: msgpack ${sizes.msgpack} B, json ${sizes.json} B`);
console.log(`RESULT record-codec json_over_msgpack=${median.toFixed(2)} msgpack_bytes=${sizes.msgpack} json_bytes=${sizes.json}`);
