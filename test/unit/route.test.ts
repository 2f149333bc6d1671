import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { routeTemplate } from '../../shared/diff/index.js';

describe('route templates', () => {
  it.each([
    ['GET', '/users/42', 'GET /users/:id'],
    ['get', '/users/42/?expand=1', 'GET /users/:id'],
    ['GET', '/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301/orders/7', 'GET /users/:id/orders/:id'],
    ['GET', '/blobs/deadbeef1234', 'GET /blobs/:id'],
    ['GET', '/customers/cus_9s6XKzkNRiz8i3', 'GET /customers/:id'],
    ['GET', '/tokens/aB3dE5gH7jK9mN1pQ', 'GET /tokens/:id'],
    ['GET', '/by-email/jane.doe%40example.com', 'GET /by-email/:email'],
    ['GET', '/reports/2024-01-31', 'GET /reports/:date'],
    ['GET', '/prices/-12.5', 'GET /prices/:id'],
    ['POST', '/v1/api/oauth2callback', 'POST /v1/api/oauth2callback'],
    ['GET', '/', 'GET /'],
    ['GET', '?x=1', 'GET /'],
    ['GET', '/a//b', 'GET /a/b'],
    ['OPTIONS', '*', 'OPTIONS *'],
    ['GET', 'http://host:8080/users/9', 'GET /users/:id'],
  ])('%s %s → %s', (method, url, expected) => {
    expect(routeTemplate(method, url)).toBe(expected);
  });

  it('collapses any numeric id, uuid and email to one template', () => {
    fc.assert(fc.property(fc.nat(), fc.uuid(), fc.emailAddress(), (n, uuid, email) => {
      const t = routeTemplate('GET', `/users/${n}/files/${uuid}/share/${encodeURIComponent(email)}`);
      return t === 'GET /users/:id/files/:id/share/:email';
    }));
  });

  it('is idempotent and ignores the query string', () => {
    fc.assert(fc.property(fc.webPath(), fc.webQueryParameters(), (path, query) => {
      const url = `/${path.replace(/^\/+/, '')}`;
      const t = routeTemplate('GET', `${url}?${query}`);
      return t === routeTemplate('GET', url) && routeTemplate('GET', t.slice(4)) === t;
    }));
  });
});
