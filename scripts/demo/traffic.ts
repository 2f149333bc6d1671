import autocannon from 'autocannon';

/**
 * Realistic, PII-bearing traffic for the demo: a journey mix over the sample
 * app's routes — users, their orders, catalogue searches, unicode name
 * searches, JSON order bodies with emails, phones and card numbers, and the
 * large gzip-compressed daily report — fired through the proxy with
 * autocannon, bounded by a request count.
 */

const NAMES = ['Ananya', 'Zoë', 'Rohan', 'श्रेया', 'Priya', 'அருண்', 'Kabir', 'Meera'];
const QUERIES = ['phone', 'laptop', 'kurta', 'tea', 'headphones', 'saree'];
const CARDS = ['4111 1111 1111 1111', '5555555555554444', '4012888888881881'];

interface DemoRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function journey(i: number): DemoRequest[] {
  const user = (i % 8) + 1;
  const phone = `+91 98${String(10_000_000 + ((i * 7919) % 89_999_999)).padStart(8, '0')}`;
  const token = `Bearer demo-${(i * 2654435761) % 1_000_000}`;
  const auth = { authorization: token, cookie: `sid=s${i}x${user}; theme=dark` };
  return [
    { method: 'GET', path: `/api/users/${user}`, headers: auth },
    { method: 'GET', path: `/api/users/${user}/orders`, headers: auth },
    { method: 'GET', path: `/api/products?q=${encodeURIComponent(QUERIES[i % QUERIES.length]!)}` },
    { method: 'GET', path: `/api/search?name=${encodeURIComponent(NAMES[i % NAMES.length]!)}`, headers: auth },
    {
      method: 'POST',
      path: '/api/orders',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        userId: user,
        email: `buyer${i}@example.in`,
        phone,
        card: CARDS[i % CARDS.length],
        items: [{ productId: (i % 5) + 1, qty: (i % 3) + 1 }],
        note: `deliver to ${NAMES[i % NAMES.length]}, call ${phone}`,
      }),
    },
    { method: 'GET', path: '/api/reports/daily', headers: { 'accept-encoding': 'gzip' } },
  ];
}

export interface TrafficResult {
  requests: number;
  errors: number;
  non2xx: number;
  durationMs: number;
}

/** Fires `amount` requests (a mix of journeys) at `url` over `connections` connections. */
export async function driveTraffic(url: string, opts: { amount: number; connections?: number }): Promise<TrafficResult> {
  const requests = Array.from({ length: 8 }, (_, i) => journey(i)).flat();
  const started = Date.now();
  const result = await autocannon({
    url,
    connections: opts.connections ?? 4,
    amount: opts.amount,
    requests,
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationMs: Date.now() - started,
  };
}
