/**
 * A desk phone's plug-and-play step, run inside the test's "phone" network namespace: SUBSCRIBE to
 * 224.0.1.75:5060 with `Event: ua-profile` (as Yealink and Snom send it on boot), a retransmission of it, then
 * wait for the 200 and the NOTIFY with the provisioning URL, and answer the NOTIFY 200.
 * Usage: node pnp-phone.js <own address> <mac> <vendor> <model> <user-agent>. Prints one JSON line.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';

const [address, mac, vendor, model, userAgent] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const callId = `${crypto.randomBytes(8).toString('hex')}@${address}`;
const branch = `z9hG4bK${crypto.randomBytes(6).toString('hex')}`;
const subscribe = [
  `SUBSCRIBE sip:${mac}@224.0.1.75 SIP/2.0`,
  `Via: SIP/2.0/UDP ${address}:5060;branch=${branch};rport`,
  'Max-Forwards: 70',
  `From: <sip:${mac}@224.0.1.75>;tag=${crypto.randomBytes(4).toString('hex')}`,
  `To: <sip:${mac}@224.0.1.75>`,
  `Call-ID: ${callId}`,
  'CSeq: 1 SUBSCRIBE',
  `Contact: <sip:${address}:5060>`,
  `Event: ua-profile;profile-type="device";vendor="${vendor}";model="${model}";version="1.0"`,
  'Accept: application/url',
  'Expires: 0',
  `User-Agent: ${userAgent}`,
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const result = {
  ok: false,
  responses: [] as string[],
  notifies: 0,
  url: '',
  contentType: '',
  event: '',
  from: '',
};
const done = (): void => {
  result.ok = result.responses.includes('200') && result.notifies >= 1;
  process.stdout.write(JSON.stringify(result) + '\n');
  socket.close();
  process.exit(0);
};

socket.on('message', (buf, rinfo) => {
  const text = buf.toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const header = (n: string): string =>
    lines.find((l) => l.toLowerCase().startsWith(n.toLowerCase() + ':'))?.replace(/^[^:]*:\s*/, '') ?? '';
  if (lines[0]!.startsWith('SIP/2.0 ')) {
    result.responses.push(lines[0]!.split(' ')[1]!);
    return;
  }
  if (lines[0]!.startsWith('NOTIFY ')) {
    result.notifies++;
    result.url = body;
    result.contentType = header('Content-Type');
    result.event = header('Event');
    result.from = `${rinfo.address}:${rinfo.port}`;
    const ok = [
      'SIP/2.0 200 OK',
      ...lines.filter((l) => /^(via|from|to|call-id|cseq):/i.test(l)),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(ok, rinfo.port, rinfo.address);
  }
});

socket.bind(5060, () => {
  socket.setMulticastInterface(address);
  socket.setMulticastTTL(1);
  socket.send(subscribe, 5060, '224.0.1.75');
  // A retransmission (same branch): it must get the same 200 and no second NOTIFY.
  setTimeout(() => socket.send(subscribe, 5060, '224.0.1.75'), 300);
  setTimeout(done, 2500);
});
