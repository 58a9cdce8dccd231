// The standard greeting of a mailbox without its own: "is on the phone" when the proxy diverted the call
// because the phone was busy (RFC 5806 Diversion reason=user-busy), else "is not available".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromptLibrary, shippedPromptsDir } from '../../../engine/media/apps/prompt-library.js';
import { standardGreeting } from '../../../engine/media/apps/voicemail-app.js';

describe('the standard voicemail greeting', () => {
  it('says "is on the phone" for a busy diversion and "is not available" otherwise', () => {
    const busy = standardGreeting('201', '<sip:201@192.0.2.1:5060>;reason=user-busy;counter=1');
    assert.deepEqual(busy, ['vm-person-at-extension', '2', '0', '1', 'vm-on-the-phone', 'vm-leave-message']);
    for (const d of [
      undefined,
      '<sip:201@192.0.2.1>;reason=no-answer;counter=1',
      '<sip:201@192.0.2.1>;reason=unavailable',
      '<sip:user-busy@192.0.2.1>;reason=no-answer',
    ])
      assert.equal(standardGreeting('201', d)[4], 'vm-not-available', String(d));
    assert.equal(standardGreeting('7', '<sip:7@h>; reason="user-busy"')[2], 'vm-on-the-phone');
  });

  it('names only prompts that ship', async () => {
    const names = new Set(await new PromptLibrary([shippedPromptsDir()]).names());
    const said = [...standardGreeting('201', undefined), ...standardGreeting('9', ';reason=user-busy')];
    assert.deepEqual(
      said.filter((n) => !names.has(n)),
      [],
    );
  });
});
