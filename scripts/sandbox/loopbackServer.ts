import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An HTTP server bound to 127.0.0.1 only, whose close() also drops kept-alive connections. */
export class LoopbackServer {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: http.Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, port = 0): Promise<LoopbackServer> {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 30_000;
    const loopback = new LoopbackServer(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return loopback;
  }

  /** The address the server is bound to, as the operating system reports it. */
  get boundAddress(): string {
    return (this.server.address() as AddressInfo).address;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
