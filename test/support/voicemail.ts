import assert from 'node:assert/strict';
import type { RunningEngine } from './engine-process.js';

/**
 * Switches voicemail off for extensions whose test is about the proxy passing a failure back (486, 480 …):
 * by default an unanswered, busy or unregistered extension's calls go to voicemail instead.
 */
export async function voicemailOff(pbx: RunningEngine, ...extensions: string[]): Promise<void> {
  for (const extension of extensions) {
    const r = await pbx.api('PUT', `/api/voicemail/${extension}/settings`, {
      onNoAnswer: false,
      onBusy: false,
      onUnavailable: false,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}
