import crypto from 'node:crypto';

/** Letters and digits without the look-alikes 0/O, 1/l/I: secrets get read off screens and typed into phones. */
const SECRET_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 20 characters from 57 ≈ 116 bits. */
const SECRET_LENGTH = 20;
const PIN_LENGTH = 6;

/** A strong SIP password from crypto.randomBytes, uniform over the alphabet (rejection sampling). */
export function generateSecret(length = SECRET_LENGTH): string {
  const limit = 256 - (256 % SECRET_ALPHABET.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte >= limit) continue;
      out += SECRET_ALPHABET[byte % SECRET_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Guessable PINs a caller would try first. */
function isTrivialPin(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  return '01234567890'.includes(pin) || '09876543210'.includes(pin);
}

/** A random 6-digit voicemail PIN, never all one digit or a run like 123456. */
export function generateVoicemailPin(): string {
  for (;;) {
    const pin = String(crypto.randomInt(0, 10 ** PIN_LENGTH)).padStart(PIN_LENGTH, '0');
    if (!isTrivialPin(pin)) return pin;
  }
}
