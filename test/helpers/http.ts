import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A real HTTP server on 127.0.0.1 with a free port. */
export interface TestServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
