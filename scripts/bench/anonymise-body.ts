/**
 * Realistic JSON API bodies for bench:anonymise: a page of customers with
 * ids, names, emails, Indian mobiles, addresses, orders, UPI ids, client IPs,
 * timestamps and free-text notes — about 9 personal values per KiB, most of
 * them distinct, as in a list endpoint of a consumer app.
 */

/** A small deterministic PRNG (mulberry32), so every run benches the same bodies. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Aarav', 'Priya', 'Rohan', 'Ananya', 'Vikram', 'Meera', 'Arjun', 'Isha', 'Kabir', 'Diya', 'Sam', 'Lena'];
const LAST = ['Sharma', 'Iyer', 'Patel', 'Reddy', 'Khan', 'Das', 'Nair', 'Gupta', 'Mehta', 'Rao'];
const CITIES = ['Bengaluru', 'Mumbai', 'Pune', 'Chennai', 'Delhi', 'Hyderabad'];
const STATUS = ['active', 'pending', 'suspended'];

function customer(r: () => number, i: number): unknown {
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const first = pick(FIRST);
  const last = pick(LAST);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const mobile = `${6 + Math.floor(r() * 4)}${digits(9)}`;
  const handle = `${first.toLowerCase()}.${last.toLowerCase()}${Math.floor(r() * 1000)}`;
  return {
    id: 100000 + i,
    uuid: `${digits(8)}-${digits(4)}-4${digits(3)}-a${digits(3)}-${digits(12)}`.replace(/^(\d)/, 'c'),
    name: `${first} ${last}`,
    email: `${handle}@${pick(['gmail.com', 'example.in', 'acme-corp.co.in'])}`,
    phone: r() < 0.5 ? `+91 ${mobile.slice(0, 5)} ${mobile.slice(5)}` : mobile,
    status: pick(STATUS),
    createdAt: new Date(1_700_000_000_000 + Math.floor(r() * 3e10)).toISOString(),
    address: { line1: `${Math.floor(r() * 300)} ${pick(['MG Road', 'Linking Road', 'FC Road'])}`, city: pick(CITIES), pincode: `5600${digits(2)}` },
    payment: { upi: `${handle}@${pick(['okaxis', 'ybl', 'paytm'])}`, cardLast4: digits(4) },
    lastLogin: { ip: `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`, userAgent: 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0.6099.109 Mobile' },
    orders: Array.from({ length: 1 + Math.floor(r() * 2) }, (_, k) => ({ orderId: `ORD-${digits(8)}`, amount: Math.round(r() * 500000) / 100, currency: 'INR', items: k + 1 })),
    note: r() < 0.3 ? `Call back on ${mobile} after 6pm` : 'Prefers email contact',
    tags: ['retail', pick(['gold', 'silver', 'new'])],
  };
}

/** A JSON body of about `bytes` bytes (seeded, so the same per seed). */
export function customerPage(bytes: number, seed: number): string {
  const r = prng(seed);
  const data: unknown[] = [];
  let size = 40;
  for (let i = 0; size < bytes; i++) {
    const c = JSON.stringify(customer(r, i));
    if (size + c.length + 1 > bytes && data.length > 0) break;
    data.push(JSON.parse(c));
    size += c.length + 1;
  }
  return JSON.stringify({ data, meta: { page: seed, per_page: data.length } });
}
