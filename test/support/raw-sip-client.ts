// A minimal SIP client over a real UDP or TCP socket for cases sipp cannot script easily (SHA-256 digest,
// stale and replayed nonces, malformed bytes). It builds requests as text and parses responses with a
// deliberately small independent reader: status line, headers, no dependency on the engine's parser.
import crypto from 'node:crypto';
import dgram from 'node:dgram';

export interface RawResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  raw: string;
  header(name: string): string | undefined;
  headerAll(name: string): string[];
}

export function parseRawResponse(text: string): RawResponse | undefined {
  const [head] = text.split('\r\n\r\n');
  if (!head) return undefined;
  const lines = head.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.push([l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()]);
  }
  return {
    status: Number(m[1]),
    reason: m[2] ?? '',
    headers,
    raw: text,
    header: (n) => headers.find(([k]) => k === n.toLowerCase())?.[1],
    headerAll: (n) => headers.filter(([k]) => k === n.toLowerCase()).map(([, v]) => v),
  };
}

export class UdpSipClient {
  readonly socket = dgram.createSocket('udp4');
  port = 0;
  private readonly inbox: string[] = [];
  private waiters: Array<() => void> = [];

  static async open(): Promise<UdpSipClient> {
    const c = new UdpSipClient();
    await new Promise<void>((r) => c.socket.bind(0, '127.0.0.1', () => r()));
    c.port = c.socket.address().port;
    c.socket.on('message', (m) => {
      c.inbox.push(m.toString('latin1'));
      const w = c.waiters;
      c.waiters = [];
      for (const f of w) f();
    });
    return c;
  }

  send(text: string | Buffer, port: number, host = '127.0.0.1'): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, port, host);
  }

  /** Next message matching `pred`, or undefined after `ms`. Requests (e.g. keep-alive OPTIONS) are skipped unless asked for. */
  async receive(
    pred: (msg: string) => boolean = (m) => m.startsWith('SIP/2.0'),
    ms = 3000,
  ): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Next final (non-1xx) response for this Call-ID. */
  async response(callId: string, ms = 3000): Promise<RawResponse | undefined> {
    const text = await this.receive(
      (m) => m.startsWith('SIP/2.0') && !/^SIP\/2\.0 1\d\d/.test(m) && m.includes(callId),
      ms,
    );
    return text ? parseRawResponse(text) : undefined;
  }

  close(): void {
    this.socket.close();
  }
}

export function randomId(): string {
  return crypto.randomBytes(8).toString('hex');
}

/** Parses `Digest realm="x", nonce="y", …` (test-side, independent of the engine). */
export function challengeParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/i, '').matchAll(/([a-zA-Z-]+)=("([^"]*)"|[^,\s]+)/g))
    out[m[1]!.toLowerCase()] = m[3] ?? m[2]!;
  return out;
}

export function digestResponse(
  alg: 'MD5' | 'SHA-256',
  user: string,
  realm: string,
  pass: string,
  method: string,
  uri: string,
  nonce: string,
  nc: string,
  cnonce: string,
): string {
  const h = (s: string): string =>
    crypto
      .createHash(alg === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');
  return h(`${h(`${user}:${realm}:${pass}`)}:${nonce}:${nc}:${cnonce}:auth:${h(`${method}:${uri}`)}`);
}

export interface RegisterOptions {
  user: string;
  password?: string;
  contact?: string;
  contacts?: string[];
  expires?: number | undefined;
  callId?: string;
  cseq?: number;
  auth?: string;
  extra?: string[];
}

export function registerRequest(c: UdpSipClient, pbxPort: number, o: RegisterOptions): string {
  const contacts = o.contacts ?? [o.contact ?? `<sip:${o.user}@127.0.0.1:${c.port}>`];
  return [
    `REGISTER sip:127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bK${randomId()};rport`,
    `Max-Forwards: 70`,
    `From: <sip:${o.user}@127.0.0.1>;tag=${randomId()}`,
    `To: <sip:${o.user}@127.0.0.1>`,
    `Call-ID: ${o.callId ?? randomId()}`,
    `CSeq: ${o.cseq ?? 1} REGISTER`,
    ...contacts.map((ct) => `Contact: ${ct}`),
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    ...(o.auth ? [`Authorization: ${o.auth}`] : []),
    ...(o.extra ?? []),
    `Content-Length: 0`,
    '',
    '',
  ].join('\r\n');
}

/** REGISTER, answer the 401 with the chosen algorithm, return the final response. */
export async function registerWithAuth(
  c: UdpSipClient,
  pbxPort: number,
  o: RegisterOptions & { password: string; algorithm?: 'MD5' | 'SHA-256' },
): Promise<RawResponse> {
  const callId = o.callId ?? randomId();
  const cseq = o.cseq ?? 1;
  c.send(registerRequest(c, pbxPort, { ...o, callId, cseq }), pbxPort);
  const challenge = await c.response(callId);
  if (!challenge) throw new Error('no answer to REGISTER');
  if (challenge.status !== 401) return challenge;
  const alg = o.algorithm ?? 'MD5';
  const wa = challenge
    .headerAll('www-authenticate')
    .find((v) => new RegExp(`algorithm=${alg}(,|$|\\s)`).test(v));
  if (!wa) throw new Error(`no ${alg} challenge in ${challenge.raw}`);
  const p = challengeParams(wa);
  const uri = `sip:127.0.0.1:${pbxPort}`;
  const cnonce = randomId();
  const response = digestResponse(
    alg,
    o.user,
    p.realm!,
    o.password,
    'REGISTER',
    uri,
    p.nonce!,
    '00000001',
    cnonce,
  );
  const auth = `Digest username="${o.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=${alg}, qop=auth, nc=00000001, cnonce="${cnonce}"`;
  c.send(registerRequest(c, pbxPort, { ...o, callId, cseq: cseq + 1, auth }), pbxPort);
  const final = await c.response(callId);
  if (!final) throw new Error('no answer to authenticated REGISTER');
  return final;
}
