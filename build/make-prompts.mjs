// Generates the shipped English prompt set (issue 6) once, with espeak-ng and sox:
//   node build/make-prompts.mjs            # writes prompts/en/*.wav and prompts/en/README.md
//   node build/make-prompts.mjs --check    # lists prompts missing from prompts/en (exit 1 if any)
// The WAV files are committed; the engine never runs this. Every file is 8 kHz, 16-bit, mono PCM,
// trimmed of leading/trailing silence and normalised to -3 dBFS, so prompts joined into a sentence
// ("you have" "3" "new messages") follow each other without gaps or jumps in loudness.
// The number and date read-out (engine/media/apps/say-english.ts) relies on the names below.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'prompts', 'en');

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINALS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
  'twentieth',
  'twenty first',
  'twenty second',
  'twenty third',
  'twenty fourth',
  'twenty fifth',
  'twenty sixth',
  'twenty seventh',
  'twenty eighth',
  'twenty ninth',
  'thirtieth',
  'thirty first',
];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** [name, text, group]; a `null` text is a tone made by sox, not speech. */
const PROMPTS = [
  ...ONES.map((t, i) => [`${i}`, t, 'digits and numbers']),
  ...TEENS.map((t, i) => [`${10 + i}`, t, 'digits and numbers']),
  ...TENS.slice(2).map((t, i) => [`${(i + 2) * 10}`, t, 'digits and numbers']),
  ['hundred', 'hundred', 'digits and numbers'],
  ['thousand', 'thousand', 'digits and numbers'],
  ['star', 'star', 'digits and numbers'],
  ['pound', 'pound', 'digits and numbers'],
  ...ORDINALS.slice(1).map((t, i) => [`ord-${i + 1}`, t, 'dates and times']),
  ...MONTHS.map((t, i) => [`month-${i + 1}`, t, 'dates and times']),
  ...DAYS.map((t, i) => [`day-${i}`, t, 'dates and times']),
  ['today', 'today', 'dates and times'],
  ['yesterday', 'yesterday', 'dates and times'],
  ['at', 'at', 'dates and times'],
  ['oh', 'oh', 'dates and times'],
  ['oclock', "o'clock", 'dates and times'],
  ['am', 'A M', 'dates and times'],
  ['pm', 'P M', 'dates and times'],
  ['extension', 'extension', 'common'],
  ['beep', null, 'common'],
  ['goodbye', 'Goodbye.', 'common'],
  ['invalid', 'That is not valid.', 'common'],
  ['please-try-again', 'Please try again.', 'common'],
  ['vm-person-at-extension', 'The person at extension', 'voicemail: leaving a message'],
  ['vm-not-available', 'is not available.', 'voicemail: leaving a message'],
  ['vm-on-the-phone', 'is on the phone.', 'voicemail: leaving a message'],
  [
    'vm-leave-message',
    'Please leave a message after the tone. When you are done, hang up, or press pound.',
    'voicemail: leaving a message',
  ],
  ['vm-message-saved', 'Your message has been saved. Goodbye.', 'voicemail: leaving a message'],
  ['vm-mailbox-full', 'The mailbox is full. Please try again later.', 'voicemail: leaving a message'],
  ['vm-enter-mailbox', 'Please enter your mailbox number, then press pound.', 'voicemail: mailbox'],
  ['vm-enter-pin', 'Please enter your PIN, then press pound.', 'voicemail: mailbox'],
  ['vm-wrong-pin', 'That PIN is not correct.', 'voicemail: mailbox'],
  ['vm-you-have', 'You have', 'voicemail: mailbox'],
  ['vm-no', 'no', 'voicemail: mailbox'],
  ['vm-new-message', 'new message.', 'voicemail: mailbox'],
  ['vm-new-messages', 'new messages.', 'voicemail: mailbox'],
  ['vm-saved-message', 'saved message.', 'voicemail: mailbox'],
  ['vm-saved-messages', 'saved messages.', 'voicemail: mailbox'],
  ['vm-and', 'and', 'voicemail: mailbox'],
  ['vm-message', 'Message', 'voicemail: mailbox'],
  ['vm-received', 'received', 'voicemail: mailbox'],
  ['vm-from', 'from', 'voicemail: mailbox'],
  ['vm-unknown-caller', 'an unknown caller', 'voicemail: mailbox'],
  ['vm-no-more-messages', 'There are no more messages.', 'voicemail: mailbox'],
  ['vm-press-1-play', 'To play the message, press 1.', 'voicemail: mailbox'],
  ['vm-press-2-save', 'To save it, press 2.', 'voicemail: mailbox'],
  ['vm-press-3-delete', 'To delete it, press 3.', 'voicemail: mailbox'],
  ['vm-press-pound-next', 'For the next message, press pound.', 'voicemail: mailbox'],
  ['vm-press-star-repeat', 'To hear this menu again, press star.', 'voicemail: mailbox'],
  ['vm-press-5-greeting', 'To record your greeting, press 5.', 'voicemail: mailbox'],
  ['vm-saved', 'Message saved.', 'voicemail: mailbox'],
  ['vm-deleted', 'Message deleted.', 'voicemail: mailbox'],
  ['vm-press-1-listen', 'To listen to your messages, press 1.', 'voicemail: mailbox'],
  ['vm-press-3-greeting', 'For your greeting, press 3.', 'voicemail: mailbox'],
  ['vm-press-pound-exit', 'To end the call, press pound.', 'voicemail: mailbox'],
  ['vm-press-1-replay', 'To hear it again, press 1.', 'voicemail: mailbox'],
  ['vm-press-7-delete', 'To delete it, press 7.', 'voicemail: mailbox'],
  ['vm-press-9-next', 'For the next message, press 9.', 'voicemail: mailbox'],
  ['vm-press-star-main', 'For the main menu, press star.', 'voicemail: mailbox'],
  [
    'vm-mailbox-locked',
    'Too many wrong PINs have been entered for this mailbox. Please try again later.',
    'voicemail: mailbox',
  ],
  [
    'vm-record-greeting',
    'Record your greeting after the tone. Press pound when you are done.',
    'voicemail: greeting',
  ],
  [
    'vm-greeting-review',
    'To keep this greeting, press 1. To record it again, press 2.',
    'voicemail: greeting',
  ],
  ['vm-greeting-saved', 'Your greeting has been saved.', 'voicemail: greeting'],
  [
    'vm-greeting-press-3-delete',
    'To delete your greeting and use the standard one, press 3.',
    'voicemail: greeting',
  ],
  [
    'vm-greeting-deleted',
    'Your greeting has been deleted. Callers will hear the standard greeting.',
    'voicemail: greeting',
  ],
  [
    'aa-welcome',
    'Thank you for calling. If you know the extension of the person you want, dial it now. For the operator, press zero.',
    'auto-attendant',
  ],
  [
    'aa-closed',
    'Thank you for calling. Our office is closed right now. If you know the extension of the person you want, dial it now.',
    'auto-attendant',
  ],
  ['aa-enter-extension', 'Please enter the extension.', 'auto-attendant'],
  ['aa-transfer', 'Please hold while I transfer you.', 'auto-attendant'],
  ['aa-invalid', 'That is not a valid choice.', 'auto-attendant'],
  ['aa-no-answer', 'Nobody is answering at that extension.', 'auto-attendant'],
  ['aa-transfer-failed', 'Sorry, I could not transfer your call.', 'auto-attendant'],
  [
    'echo-intro',
    'This is the sound check. After the tone, say something, then press pound. You will hear what you said.',
    'sound check',
  ],
];

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function make(name, text, tmp) {
  const out = path.join(outDir, `${name}.wav`);
  if (text === null) {
    // 1 kHz tone, 400 ms, with 10 ms fades so it does not click.
    run('sox', [
      '-D',
      '-n',
      '-r',
      '8000',
      '-b',
      '16',
      '-c',
      '1',
      out,
      'synth',
      '0.4',
      'sine',
      '1000',
      'fade',
      '0.01',
      '0.4',
      '0.01',
      'vol',
      '0.5',
    ]);
    return;
  }
  const raw = path.join(tmp, `${name}.wav`);
  run('espeak-ng', ['-v', 'en-us', '-s', '155', '-g', '2', '-w', raw, text]);
  // Trim silence at both ends, band-limit and resample to 8 kHz (sox's high-quality rate), normalise.
  // -D: no dither, so running the script again writes the same bytes.
  run('sox', [
    '-D',
    raw,
    '-r',
    '8000',
    '-b',
    '16',
    '-c',
    '1',
    out,
    'silence',
    '1',
    '0.01',
    '0.2%',
    'reverse',
    'silence',
    '1',
    '0.01',
    '0.2%',
    'reverse',
    'pad',
    '0.04',
    '0.06',
    'norm',
    '-3',
  ]);
}

function readme() {
  const lines = [
    '# Shipped English prompts',
    '',
    'Generated once by `node build/make-prompts.mjs` (espeak-ng, voice `en-us`, then sox: trimmed, 8 kHz,',
    '16-bit, mono PCM WAV, normalised to -3 dBFS) and committed. Do not edit by hand: change the table in',
    'the script and run it again.',
    '',
    'Any prompt can be replaced without touching these files: put a WAV with the same name in',
    '`<data dir>/prompts/en/` (8 or 16 kHz or any other rate, 8- or 16-bit PCM, mono or stereo; it is',
    'converted when played). A custom prompt wins over the shipped one from the next call on.',
    '',
    'Numbers, dates and times are read out by joining these prompts (`engine/media/apps/say-english.ts`):',
    '`vm-you-have` `3` `vm-new-messages`; `vm-person-at-extension` `2` `0` `1` `vm-not-available`.',
    '',
  ];
  let group = '';
  for (const [name, text, g] of PROMPTS) {
    if (g !== group) {
      group = g;
      lines.push(`## ${g}`, '', '| file | text |', '| --- | --- |');
    }
    lines.push(`| \`${name}.wav\` | ${text === null ? '(1 kHz tone, 0.4 s)' : text} |`);
    const next = PROMPTS[PROMPTS.indexOf(PROMPTS.find((p) => p[0] === name)) + 1];
    if (!next || next[2] !== g) lines.push('');
  }
  return lines.join('\n');
}

if (process.argv.includes('--check')) {
  const missing = PROMPTS.filter(([n]) => !fs.existsSync(path.join(outDir, `${n}.wav`))).map(([n]) => n);
  if (missing.length) {
    console.error(`missing prompts: ${missing.join(', ')}`);
    process.exit(1);
  }
  console.log(`${PROMPTS.length} prompts present`);
} else {
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompts-'));
  try {
    for (const [name, text] of PROMPTS) make(name, text, tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(outDir, 'README.md'), readme());
  // The README is checked by `npm run lint`: write it the way prettier would.
  const prettier = path.join(root, 'node_modules', '.bin', 'prettier');
  if (fs.existsSync(prettier)) run(prettier, ['--write', path.join(outDir, 'README.md')]);
  console.log(`${PROMPTS.length} prompts written to ${path.relative(root, outDir)}`);
}
