/**
 * The sample app's fixed data set: realistic, PII-bearing, and deterministic
 * so that production and staging answer the same request with the same data
 * (only the planted regressions and the noise fields differ).
 */

/** A customer record as the sample app stores it. */
export interface SampleUser {
  id: number;
  name: string;
  email: string;
  phone: string;
  pan: string;
  card: { number: string; expiry: string; holder: string };
  address: { line1: string; city: string; state: string; pin: string; country: string };
  createdAt: string;
}

/** A catalogue item; `price` is in rupees (a number in production). */
export interface SampleProduct {
  id: number;
  sku: string;
  name: string;
  price: number;
  currency: 'INR';
  stock: number;
  tags: string[];
}

// Card numbers are the public network test numbers (all pass Luhn).
export const users: readonly SampleUser[] = [
  {
    id: 1, name: 'Ananya Iyer', email: 'ananya.iyer@example.in', phone: '+91 98765 43210', pan: 'ABCPI1234F',
    card: { number: '4111 1111 1111 1111', expiry: '08/29', holder: 'ANANYA IYER' },
    address: { line1: '14, 2nd Cross, Indiranagar', city: 'Bengaluru', state: 'Karnataka', pin: '560038', country: 'IN' },
    createdAt: '2024-03-14T09:21:07Z',
  },
  {
    id: 2, name: 'Rohan Mehta', email: 'rohan.mehta@example.com', phone: '9123456789', pan: 'BXZPM4821K',
    card: { number: '5555555555554444', expiry: '11/27', holder: 'ROHAN MEHTA' },
    address: { line1: 'Flat 302, Sea Breeze, Bandra West', city: 'Mumbai', state: 'Maharashtra', pin: '400050', country: 'IN' },
    createdAt: '2023-11-02T17:45:51Z',
  },
  {
    id: 3, name: 'श्रेया शर्मा', email: 'shreya.sharma@example.org', phone: '+91-91234-56789', pan: 'CQRPS7310L',
    card: { number: '4012-8888-8888-1881', expiry: '02/28', holder: 'SHREYA SHARMA' },
    address: { line1: 'B-17, Sector 62', city: 'Noida', state: 'Uttar Pradesh', pin: '201309', country: 'IN' },
    createdAt: '2024-07-29T04:10:33Z',
  },
  {
    id: 4, name: 'Zoë Fernandes', email: 'zoe.f@example.net', phone: '+91 99887 76655', pan: 'DKLPF9021M',
    card: { number: '378282246310005', expiry: '05/30', holder: 'ZOE FERNANDES' },
    address: { line1: 'House 9, Rua de Ourém, Fontainhas', city: 'Panaji', state: 'Goa', pin: '403001', country: 'IN' },
    createdAt: '2022-01-19T12:00:00Z',
  },
  {
    id: 5, name: 'Karthik Subramanian', email: 'karthik.s@example.in', phone: '08012345678', pan: 'EMNPS5566Q',
    card: { number: '6011111111111117', expiry: '12/26', holder: 'KARTHIK SUBRAMANIAN' },
    address: { line1: '22, Besant Nagar 4th Main Road', city: 'Chennai', state: 'Tamil Nadu', pin: '600090', country: 'IN' },
    createdAt: '2025-05-05T21:13:48Z',
  },
  {
    id: 6, name: 'José Almeida', email: 'jose.almeida@example.com', phone: '+91 70123 45678', pan: 'FGHPA1029Z',
    card: { number: '4242 4242 4242 4242', expiry: '09/28', holder: 'JOSE ALMEIDA' },
    address: { line1: '3rd Floor, MG Road', city: 'Kochi', state: 'Kerala', pin: '682016', country: 'IN' },
    createdAt: '2024-12-24T08:08:08Z',
  },
  {
    id: 7, name: 'Łucja Nowak-Rao', email: 'lucja.rao@example.eu', phone: '+91 81234 09876', pan: 'GHJPR3344T',
    card: { number: '5105 1051 0510 5100', expiry: '03/27', holder: 'LUCJA NOWAK RAO' },
    address: { line1: '56, Park Street', city: 'Kolkata', state: 'West Bengal', pin: '700016', country: 'IN' },
    createdAt: '2023-06-30T15:30:00Z',
  },
  {
    id: 8, name: 'அருண் குமார்', email: 'arun.kumar@example.in', phone: '+919812345670', pan: 'HJKPK7788W',
    card: { number: '3530111333300000', expiry: '07/29', holder: 'ARUN KUMAR' },
    address: { line1: '8, Anna Salai', city: 'Chennai', state: 'Tamil Nadu', pin: '600002', country: 'IN' },
    createdAt: '2025-09-09T09:09:09Z',
  },
];

export const products: readonly SampleProduct[] = [
  { id: 101, sku: 'TEA-ASSAM-250', name: 'Assam Tea 250 g', price: 349, currency: 'INR', stock: 120, tags: ['tea', 'grocery'] },
  { id: 102, sku: 'COF-COORG-500', name: 'Coorg Filter Coffee 500 g', price: 525.5, currency: 'INR', stock: 64, tags: ['coffee', 'grocery'] },
  { id: 103, sku: 'SAR-SILK-KAN', name: 'Kanjivaram Silk Saree', price: 18999, currency: 'INR', stock: 5, tags: ['apparel', 'silk'] },
  { id: 104, sku: 'KUR-COT-M', name: 'Cotton Kurta (M)', price: 1299, currency: 'INR', stock: 40, tags: ['apparel'] },
  { id: 105, sku: 'SPC-MASALA-100', name: 'Garam Masala 100 g', price: 89.99, currency: 'INR', stock: 300, tags: ['spices', 'grocery'] },
  { id: 106, sku: 'LMP-BRASS-S', name: 'Brass Diya Lamp', price: 749, currency: 'INR', stock: 22, tags: ['home', 'festive'] },
  { id: 107, sku: 'BAG-JUTE-L', name: 'Jute Shopping Bag', price: 199, currency: 'INR', stock: 500, tags: ['home'] },
  { id: 108, sku: 'HNY-WILD-500', name: 'Wild Forest Honey 500 g', price: 450, currency: 'INR', stock: 80, tags: ['grocery'] },
  { id: 109, sku: 'RUG-DHURRIE-4', name: 'Handwoven Dhurrie 4×6 ft', price: 3299, currency: 'INR', stock: 9, tags: ['home', 'handmade'] },
  { id: 110, sku: 'PKL-MANGO-400', name: 'Mango Pickle 400 g', price: 240, currency: 'INR', stock: 150, tags: ['grocery'] },
  { id: 111, sku: 'SHW-PASH-01', name: 'Pashmina Shawl', price: 6450, currency: 'INR', stock: 12, tags: ['apparel', 'handmade'] },
  { id: 112, sku: 'BOK-GITA-EN', name: 'Bhagavad Gita (English)', price: 299, currency: 'INR', stock: 75, tags: ['books'] },
];

/** Orders of a user, derived from the id so every variant returns the same list. */
export function ordersOf(user: SampleUser): { orderId: string; placedAt: string; items: { sku: string; qty: number; price: number }[]; total: number; shipTo: SampleUser['address'] }[] {
  const out = [];
  for (let i = 0; i < 3 + (user.id % 3); i++) {
    const p = products[(user.id * 7 + i * 5) % products.length]!;
    const q = products[(user.id * 3 + i * 11) % products.length]!;
    const items = [
      { sku: p.sku, qty: 1 + ((user.id + i) % 3), price: p.price },
      { sku: q.sku, qty: 1, price: q.price },
    ];
    const total = Math.round(items.reduce((s, it) => s + it.qty * it.price, 0) * 100) / 100;
    const day = String(1 + ((user.id * 5 + i * 3) % 28)).padStart(2, '0');
    out.push({ orderId: `ORD-2026${String(user.id).padStart(3, '0')}${i}`, placedAt: `2026-10-${day}T10:${String(10 + i).padStart(2, '0')}:00Z`, items, total, shipTo: user.address });
  }
  return out;
}

/** Rows of the daily report: deterministic, large enough (~250 KiB) to be worth compressing. */
export function dailyReportRows(): { date: string; city: string; orders: number; revenue: number; topCustomer: { name: string; email: string; phone: string } }[] {
  const cities = ['Bengaluru', 'Mumbai', 'Noida', 'Panaji', 'Chennai', 'Kochi', 'Kolkata', 'Pune', 'Jaipur', 'Hyderabad'];
  const rows = [];
  for (let i = 0; i < 1500; i++) {
    const u = users[i % users.length]!;
    rows.push({
      date: `2026-${String(1 + ((i / 120) | 0) % 12).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      city: cities[i % cities.length]!,
      orders: 40 + ((i * 37) % 400),
      revenue: Math.round(((i * 7919) % 1_000_000) * 1.37) / 100,
      topCustomer: { name: u.name, email: u.email, phone: u.phone },
    });
  }
  return rows;
}
