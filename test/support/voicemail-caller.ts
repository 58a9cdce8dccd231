// Leaves a voicemail message the way a caller does: a call to sip:voicemail+<mailbox>@… on the media
// applications' port, # to skip the greeting, `seconds` of a 1 kHz tone after the beep, then #; the service
// hangs up. Every wait is bounded.
import assert from 'node:assert/strict';
import { RtpAudioPeer, soxTone } from './rtp-audio-peer.js';
import { pcmuSdp, sdpAudio, sleep, SipPhone } from './sip-phone.js';

export async function leaveVoicemail(appsPort: number, mailbox: string, seconds = 2.6): Promise<void> {
  const phone = await SipPhone.open({ pbxPort: appsPort, user: '5101', password: 'unused' });
  const peer = await RtpAudioPeer.open();
  try {
    const call = await phone.call(`voicemail+${mailbox}`, pcmuSdp({ port: peer.port }));
    const ok = await call.final();
    assert.equal(ok.status, 200, `voicemail+${mailbox} answers`);
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
    phone.respond(bye, 200, 'OK');
    await sleep(100);
  } finally {
    peer.close();
    phone.close();
  }
}
