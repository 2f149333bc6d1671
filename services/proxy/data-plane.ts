import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenAddress } from '../../shared/config/setting.js';
import { errorText, parityError } from '../../shared/errors.js';
import type { Forwarder } from './forwarder.js';

/**
 * The data plane's HTTP server. Malformed requests (bad request line,
 * oversize headers, conflicting Content-Length) never reach the forwarder:
 * Node's parser answers them (400/431) and closes that connection only.
 */
export interface DataPlane {
  server: Server;
  port: number;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

export async function startDataPlane(forwarder: Forwarder, listen: ListenAddress): Promise<DataPlane> {
  const server = createServer({ keepAliveTimeout: 65_000 });
  const upgraded = new Set<Duplex>();
  server.on('request', (req, res) => forwarder.onRequest(req, res));
  server.on('checkContinue', (req, res) => forwarder.onCheckContinue(req, res));
  server.on('upgrade', (req, socket, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    forwarder.onUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(parityError('PARITY_ERR_LISTEN', `cannot listen on ${listen.host}:${listen.port} (data plane): ${errorText(err)}`)));
    server.listen(listen.port, listen.host, () => resolve());
  });
  // after start-up, a failing socket must never take the process down
  server.on('error', () => undefined);
  const port = (server.address() as AddressInfo).port;

  return {
    server,
    port,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([closed, grace]);
      clearTimeout(timer);
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      forwarder.close();
    },
  };
}
