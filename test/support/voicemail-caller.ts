// Leaves a voicemail message the way a caller does: `caller` dials *<mailbox> through the proxy (the dial
// plan's "leave a message without ringing"), presses # to skip the greeting, sends `seconds` of a 1 kHz
// tone after the beep, then #; the service hangs up. Every wait is bounded.
import assert from 'node:assert/strict';
import { RtpAudioPeer, soxTone } from './rtp-audio-peer.js';
import { pcmuSdp, sdpAudio, sleep, SipPhone } from './sip-phone.js';

export async function leaveVoicemail(
  sipPort: number,
  caller: { user: string; password: string },
  mailbox: string,
  seconds = 2.6,
): Promise<void> {
  const phone = await SipPhone.open({ pbxPort: sipPort, ...caller });
  const peer = await RtpAudioPeer.open();
  try {
    const call = await phone.call(`*${mailbox}`, pcmuSdp({ port: peer.port }));
    const ok = await call.final(5000);
    assert.equal(ok.status, 200, `*${mailbox} answers`);
    const media = sdpAudio(ok.body);
    assert.ok(await peer.until((r) => r.length >= 10, 2000), 'the greeting plays');
    await peer.sendDigit(media.port, '#'); // skip the greeting: the beep follows
    // While recording nothing is sent: wait for the beep to end.
    for (let i = 0; i < 100; i++) {
      const n = peer.received.length;
      await sleep(150);
      if (peer.received.length === n) break;
    }
    await peer.sendAudio(media.port, soxTone(1000, seconds));
    await peer.sendDigit(media.port, '#');
    const bye = await phone.inDialogRequest('BYE', call.callId, 8000);
    assert.ok(call.dialog);
    phone.respond(bye, 200, 'OK');
    await sleep(100);
  } finally {
    peer.close();
    phone.close();
  }
}
