// sip.js (the browser SIP library) running in Node over a real WebSocket. Node 20 has no global WebSocket,
// so the `ws` package's client stands in for the browser's. There is no WebRTC in Node: calls use a small
// session description handler that offers and accepts plain G.711 SDP, which is all the PBX sees of it.
import { WebSocket } from 'ws';
import type { SessionDescriptionHandler, SessionDescriptionHandlerFactory } from 'sip.js';

(globalThis as unknown as { WebSocket: unknown }).WebSocket ??= WebSocket;

class PlainSdpHandler implements SessionDescriptionHandler {
  remote: string | undefined;
  close(): void {}
  async getDescription(): Promise<{ body: string; contentType: string }> {
    const body = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      'a=sendrecv',
      '',
    ].join('\r\n');
    return { body, contentType: 'application/sdp' };
  }
  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }
  async setDescription(sdp: string): Promise<void> {
    this.remote = sdp;
  }
  sendDtmf(): boolean {
    return false;
  }
}

export const plainSdpFactory: SessionDescriptionHandlerFactory = () => new PlainSdpHandler();
