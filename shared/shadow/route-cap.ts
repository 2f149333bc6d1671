import type { ChainableCommander } from 'ioredis';
import type { RunStats } from '../diff/index.js';

/**
 * Shadow statistics keep at most MAX_SHADOW_ROUTES routes apart, `(other)`
 * included, wherever routes are kept: in each worker's field of a minute
 * bucket, in a window read from the buckets, and in the all-time totals.
 * Mirrored traffic whose paths never collapse into templates (a scanner, a
 * crawler, slugs) grew those hashes by one route per path, without bound;
 * past the cap a route is counted under OTHER_ROUTE, so every total still
 * adds up. /metrics labels the same routes (its series are capped alike).
 */

/** The most routes shadow statistics keep apart, `(other)` included. */
export const MAX_SHADOW_ROUTES = 200;
/** The route that counts every route past the cap (no route template looks like it: those start with a method). */
export const OTHER_ROUTE = '(other)';

/**
 * The route a new exchange is counted under in a worker's bucket: its own
 * while the bucket has room, else OTHER_ROUTE. First come, first kept: the
 * bucket is written whole every second, and a route must not move between
 * writes.
 */
export function admittedRoute(stats: RunStats, route: string): string {
  if (stats.routes.has(route)) return route;
  const named = stats.routes.size - (stats.routes.has(OTHER_ROUTE) ? 1 : 0);
  return named < MAX_SHADOW_ROUTES - 1 ? route : OTHER_ROUTE;
}

/**
 * Caps merged statistics (a window: every worker's buckets) at
 * MAX_SHADOW_ROUTES routes: the busiest keep theirs (ties by name, so any
 * read of the same buckets keeps the same ones), the rest are merged into
 * OTHER_ROUTE.
 */
export function foldRoutes(stats: RunStats): void {
  if (stats.routes.size <= MAX_SHADOW_ROUTES) return;
  const named = [...stats.routes].filter(([route]) => route !== OTHER_ROUTE);
  named.sort(([a, x], [b, y]) => y.requests - x.requests || (a < b ? -1 : 1));
  const other = stats.route(OTHER_ROUTE);
  for (const [route, r] of named.slice(MAX_SHADOW_ROUTES - 1)) {
    other.merge(r);
    stats.routes.delete(route);
  }
}

/** The all-time per-route counters of a flush: route → [requests, diffs, errors]. */
export type RouteTotals = Map<string, [number, number, number]>;

// KEYS: totals; ARGV: routes kept apart, ttl (s), the overflow route, now (s since the epoch), then per route:
// route, requests, diffs, errors. A route kept has four fields: its three counters (zero or not) and when it was
// last added to (`seen`). A new route gets its own while fewer than the cap less one have theirs, or when one has
// had nothing added for the ttl (its fields are deleted, not added to the overflow, whose rate would jump); else
// it goes to the overflow route. Finding an idle route scans the hash, once a call at most, and not before
// `\tscanAfter` (the oldest `seen` plus the ttl, as the last scan that found none saw it): a scanner's new routes
// cost one HGET a flush, not a scan. A route written before `seen` was is given one at a scan. Atomic, so workers
// flushing together cannot pass the cap.
const ADD_TOTALS = `
local cap = tonumber(ARGV[1]) - 1
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
local idle
local function findIdle()
  idle = {}
  local after = tonumber(redis.call('HGET', KEYS[1], '\\tscanAfter'))
  if after and now < after then return end
  local hash = redis.call('HGETALL', KEYS[1])
  local seen = {}
  for j = 1, #hash, 2 do
    local route, field = string.match(hash[j], '^(.*)\\t(%a+)$')
    if field == 'seen' then seen[route] = tonumber(hash[j + 1]) end
  end
  local oldest = now
  for j = 1, #hash, 2 do
    local route, field = string.match(hash[j], '^(.*)\\t(%a+)$')
    if field == 'requests' and route ~= ARGV[3] then
      if not seen[route] then redis.call('HSET', KEYS[1], route .. '\\tseen', now)
      elseif seen[route] <= now - ttl then idle[#idle + 1] = route
      elseif seen[route] < oldest then oldest = seen[route] end
    end
  end
  if #idle == 0 then redis.call('HSET', KEYS[1], '\\tscanAfter', oldest + ttl) end
end
local function freeSlot()
  if not idle then findIdle() end
  local route = table.remove(idle)
  if not route then return false end
  redis.call('HDEL', KEYS[1], route .. '\\trequests', route .. '\\tdiffs', route .. '\\terrors', route .. '\\tseen')
  return true
end
for i = 5, #ARGV, 4 do
  local route = ARGV[i]
  if redis.call('HEXISTS', KEYS[1], route .. '\\trequests') == 0 and redis.call('HLEN', KEYS[1]) >= 4 * cap and not freeSlot() then route = ARGV[3] end
  redis.call('HINCRBY', KEYS[1], route .. '\\trequests', ARGV[i + 1])
  redis.call('HINCRBY', KEYS[1], route .. '\\tdiffs', ARGV[i + 2])
  redis.call('HINCRBY', KEYS[1], route .. '\\terrors', ARGV[i + 3])
  redis.call('HSET', KEYS[1], route .. '\\tseen', now)
end
redis.call('EXPIRE', KEYS[1], ttl)
return 1`;

/**
 * Adds a flush's counters to the totals hash `key`, capped as above, and
 * gives it `ttlSeconds` more: counters nobody has added to for the
 * retention expire, as the buckets do, and a route nobody has added to for
 * that long gives its place to a new one.
 */
export function addTotals(pipe: ChainableCommander, key: string, totals: RouteTotals, ttlSeconds: number, nowMs = Date.now()): void {
  const args = [...totals].flatMap(([route, counts]) => [route, ...counts]);
  pipe.eval(ADD_TOTALS, 1, key, MAX_SHADOW_ROUTES, ttlSeconds, OTHER_ROUTE, Math.floor(nowMs / 1000), ...args);
}
