/**
 * Realistic JSON API bodies for bench:anonymise. The main one, a page of
 * customers with ids, names, emails, Indian mobiles, addresses, orders, UPI
 * ids, client IPs, timestamps and free-text notes — about 9 personal values
 * per KiB, most of them distinct, as in a list endpoint of a consumer app —
 * is the dense case. The second, a page of a product catalogue (titles,
 * descriptions, prices, image URLs, a seller's support email on every
 * fourth product: about 0.3 personal values per KiB), is what most of a
 * shop's traffic looks like.
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

/** A customer page of about `bytes` bytes: dense with personal values. */
export function customerPage(bytes: number, seed: number): string {
  return page(bytes, seed, customer);
}

const BRANDS = ['Acme', 'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella'];
const NOUNS = ['kettle', 'backpack', 'desk lamp', 'running shoe', 'water bottle', 'headphones', 'notebook', 'saree', 'pressure cooker'];
const WORDS = ['durable', 'lightweight', 'premium', 'everyday', 'classic', 'compact', 'stainless', 'cotton', 'wireless', 'ergonomic', 'washable', 'eco-friendly'];

function product(r: () => number, i: number): unknown {
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const brand = pick(BRANDS);
  const noun = pick(NOUNS);
  const price = Math.round(r() * 900000) / 100;
  const words = Array.from({ length: 18 + Math.floor(r() * 10) }, () => pick(WORDS)).join(' ');
  const slug = `${brand}-${noun}`.toLowerCase().replace(/\W+/g, '-');
  return {
    id: 500000 + i,
    sku: `SKU-${brand.slice(0, 3).toUpperCase()}-${Math.floor(r() * 1e6)}`,
    title: `${brand} ${pick(WORDS)} ${noun}`,
    description: `A ${words} ${noun} from ${brand}.`,
    price,
    mrp: Math.round(price * 1.2 * 100) / 100,
    currency: 'INR',
    rating: Math.round(r() * 50) / 10,
    reviews: Math.floor(r() * 5000),
    inStock: r() < 0.8,
    images: [`https://cdn.example.in/p/${slug}/${i}-1.jpg`, `https://cdn.example.in/p/${slug}/${i}-2.jpg`],
    category: ['home', pick(['kitchen', 'office', 'outdoor', 'fashion'])],
    attributes: { color: pick(['red', 'black', 'teal', 'white']), size: pick(['S', 'M', 'L', 'one size']) },
    seller: i % 4 === 0 ? { id: 9000 + (i % 50), name: `${brand} Retail`, support: `support+${i}@${brand.toLowerCase()}.example.in` } : { id: 9000 + (i % 50), name: `${brand} Retail` },
    updatedAt: new Date(1_700_000_000_000 + Math.floor(r() * 3e10)).toISOString(),
  };
}

/** A page of `list(r, i)` items, about `bytes` bytes of JSON (seeded, so the same per seed). */
function page(bytes: number, seed: number, item: (r: () => number, i: number) => unknown): string {
  const r = prng(seed);
  const data: unknown[] = [];
  let size = 40;
  for (let i = 0; size < bytes; i++) {
    const c = JSON.stringify(item(r, i));
    if (size + c.length + 1 > bytes && data.length > 0) break;
    data.push(JSON.parse(c));
    size += c.length + 1;
  }
  return JSON.stringify({ data, meta: { page: seed, per_page: data.length } });
}

/** A product catalogue page of about `bytes` bytes: few personal values. */
export function catalogPage(bytes: number, seed: number): string {
  return page(bytes, seed, product);
}
