import dgram from 'node:dgram';
import net from 'node:net';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/**
 * A high port free for both UDP and TCP on loopback. `span` consecutive ports are checked (baresip needs
 * its port and the next one). Ports are drawn at random from 22000-29999: above the media applications' default RTP
 * range (21000-21999), below the relay tests' media
 * ranges (30000-32767) and below the kernel's ephemeral ports (32768 and up), which any socket bound to port
 * 0 — a phone's, a client's — may take at any moment, so a port checked free there can be gone when used.
 */
export async function freePort(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 22000 + 2 * Math.floor(Math.random() * 4000);
    let ok = true;
    for (let p = base; p < base + span && ok; p++)
      ok = !handedOut.has(p) && (await tcpFree(p)) && (await udpFree(p));
    if (ok) {
      for (let p = base; p < base + span; p++) handedOut.add(p);
      return base;
    }
  }
  throw new Error('no free port found');
}
