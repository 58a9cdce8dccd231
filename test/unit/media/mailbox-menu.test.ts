/** The mailbox menu's pieces: every prompt it names ships, the read-outs, and the PIN lockout's clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelopePrompts, MAILBOX_PROMPTS, summaryPrompts } from '../../../engine/media/apps/mailbox-app.js';
import { PinGuard, pinMatches } from '../../../engine/media/apps/pin-guard.js';
import { PromptLibrary, shippedPromptsDir } from '../../../engine/media/apps/prompt-library.js';

describe('mailbox menu prompts', () => {
  const library = new PromptLibrary([shippedPromptsDir()]);

  it('every prompt the menu names is in the shipped library', async () => {
    const names = new Set(await library.names());
    const missing = Object.values(MAILBOX_PROMPTS).filter((n) => !names.has(n));
    assert.deepEqual(missing, []);
  });

  it('every read-out the menu assembles is in the shipped library', async () => {
    const names = new Set(await library.names());
    const now = new Date(2025, 2, 21, 15, 45);
    const created = [
      now,
      new Date(2025, 2, 20, 9, 0),
      new Date(2025, 0, 3, 0, 5),
      new Date(2024, 11, 31, 23, 59),
    ];
    const said = [
      ...summaryPrompts(0, 0),
      ...summaryPrompts(1, 1),
      ...summaryPrompts(123, 4567),
      ...created.flatMap((c) =>
        envelopePrompts({ created: c.getTime(), caller: '201' }, 12, () => true, now),
      ),
      ...envelopePrompts({ created: 0, caller: '+4930123*#' }, 1, () => false, now),
      ...envelopePrompts({ created: 0, caller: 'anonymous' }, 1, () => false, now),
    ];
    assert.deepEqual(
      said.filter((n) => !names.has(n)),
      [],
    );
  });

  it('says counts with "no" and the singular where English wants them', () => {
    assert.deepEqual(summaryPrompts(0, 1), [
      'vm-you-have',
      'vm-no',
      'vm-new-messages',
      'vm-and',
      '1',
      'vm-saved-message',
    ]);
    assert.deepEqual(summaryPrompts(21, 0).slice(0, 4), ['vm-you-have', '20', '1', 'vm-new-messages']);
  });

  it('reads the envelope: position, when, and who (extension, number, or unknown)', () => {
    const now = new Date(2025, 2, 21, 16, 0);
    const m = { created: new Date(2025, 2, 21, 15, 45).getTime(), caller: '201' };
    assert.deepEqual(
      envelopePrompts(m, 2, (u) => u === '201', now),
      [
        'vm-message',
        '2',
        'vm-received',
        'today',
        'at',
        '3',
        '40',
        '5',
        'pm',
        'vm-from',
        'extension',
        '2',
        '0',
        '1',
      ],
    );
    assert.deepEqual(envelopePrompts({ ...m, caller: '5551234' }, 1, () => false, now).slice(-7), [
      '5',
      '5',
      '5',
      '1',
      '2',
      '3',
      '4',
    ]);
    assert.deepEqual(envelopePrompts({ ...m, caller: 'anonymous' }, 1, () => false, now).slice(-1), [
      'vm-unknown-caller',
    ]);
  });
});

describe('PIN lockout', () => {
  it('locks a mailbox after 5 wrong PINs within 10 minutes, for 5 minutes, whatever the mailbox', () => {
    let t = 1_000_000;
    const g = new PinGuard({ now: () => t });
    for (let i = 0; i < 4; i++) assert.equal(g.fail('201'), false);
    assert.equal(g.lockedFor('201'), 0);
    assert.equal(g.fail('201'), true);
    assert.equal(g.lockedFor('201'), 5 * 60_000);
    assert.equal(g.lockedFor('202'), 0, 'other mailboxes are not affected');
    t += 5 * 60_000 - 1;
    assert.ok(g.lockedFor('201') > 0);
    g.succeed('201'); // a right PIN does not lift a lock
    assert.ok(g.lockedFor('201') > 0);
    t += 1;
    assert.equal(g.lockedFor('201'), 0, 'unlocked after 5 minutes');
    assert.equal(g.fail('201'), false, 'the count starts again');
  });

  it('forgets failures older than the window, and after a right PIN', () => {
    let t = 0;
    const g = new PinGuard({ now: () => t });
    for (let i = 0; i < 4; i++) g.fail('201');
    t += 10 * 60_000;
    assert.equal(g.fail('201'), false, 'the four old failures no longer count');
    for (let i = 0; i < 3; i++) g.fail('201');
    g.succeed('201');
    for (let i = 0; i < 4; i++) assert.equal(g.fail('201'), false);
  });

  it('tracks a bounded number of mailboxes (numbers that do not exist count too)', () => {
    const g = new PinGuard({ maxTracked: 3, maxFailures: 2 });
    for (const box of ['1', '2', '3', '4']) g.fail(box);
    assert.equal(g.fail('1'), false, 'the oldest entry was forgotten');
    assert.equal(g.fail('4'), true);
  });

  it('compares PINs exactly', () => {
    assert.equal(pinMatches('1234', '1234'), true);
    assert.equal(pinMatches('12345', '1234'), false);
    assert.equal(pinMatches('', '1234'), false);
    assert.equal(pinMatches('', undefined), false);
    assert.equal(pinMatches('', ''), false);
  });
});
