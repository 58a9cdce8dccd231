import fs from 'node:fs/promises';
import path from 'node:path';
import type { MediaApplication } from './media-endpoint.js';

/**
 * The sound check (`sip:echo@…`): explains itself, records up to 10 s after a beep (until # or 3 s of
 * silence), plays the recording back and hangs up. A person checks their headset with it; the tests use it
 * to prove a recording round trip through the running service. The file lives in `tmpDir` only while the
 * call lasts.
 */
export function echoTest(tmpDir: string): MediaApplication {
  return async (call) => {
    await call.play('echo-intro', { bargeIn: '#' });
    await fs.mkdir(tmpDir, { recursive: true });
    const file = path.join(tmpDir, `echo-${call.callId.replace(/[^A-Za-z0-9]/g, '_').slice(0, 64)}.wav`);
    try {
      const r = await call.record(file, { maxSeconds: 10, silenceSeconds: 3, stopOnDigit: '#', beep: true });
      if (r.reason === 'hangup') return;
      await call.play([{ file }, 'goodbye']);
    } finally {
      await fs.rm(file, { force: true });
    }
  };
}
