import dgram from 'node:dgram';

/**
 * dgram resolves every destination through dns.lookup, which for an IP literal still costs a regex and a
 * process.nextTick per packet. Every address the relay uses is an IPv4 literal (the SDP parser declines
 * anything else), so resolution is the identity, done synchronously.
 */
function literalLookup(
  address: string,
  _options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, 4);
}

/** A UDP socket bound to `address:port`; rejects (with the socket closed) when the port cannot be bound. */
export function bindUdp(port: number, address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup as never });
    const onError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    // Listeners first: with a synchronous lookup, bind() reports success or failure before it returns.
    socket.once('error', onError);
    socket.once('listening', () => {
      socket.off('error', onError);
      resolve(socket);
    });
    socket.bind(port, address);
  });
}

/** Closes a socket and resolves once its handle is released (the port can be bound again). */
export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // not running
    }
  });
}
