import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUserFields, generateSecret, generateVoicemailPin } from '../../engine/directory/index.js';

const ok = { extension: '201', name: 'Anna Berg' };

/** [what, input, mode, field expected in the first error, message pattern] */
const BAD: Array<[string, Record<string, unknown>, 'create' | 'update', string, RegExp]> = [
  ['missing extension', { name: 'A' }, 'create', 'extension', /extension is required/],
  ['missing name', { extension: '201' }, 'create', 'name', /name is required/],
  ['one digit', { ...ok, extension: '7' }, 'create', 'extension', /2 to 15 digits/],
  ['16 digits', { ...ok, extension: '1234567890123456' }, 'create', 'extension', /2 to 15 digits/],
  ['feature code', { ...ok, extension: '*97' }, 'create', 'extension', /must not start with \* or #/],
  ['hash', { ...ok, extension: '#12' }, 'create', 'extension', /must not start with \* or #/],
  ['letters', { ...ok, extension: '20a' }, 'create', 'extension', /only contain the digits/],
  [
    'extension as object',
    { ...ok, extension: { x: 1 } },
    'create',
    'extension',
    /must be text or a whole number/,
  ],
  ['empty name', { ...ok, name: '   ' }, 'create', 'name', /must not be empty/],
  ['long name', { ...ok, name: 'x'.repeat(101) }, 'create', 'name', /at most 100/],
  ['name with newline', { ...ok, name: 'Anna\nBerg' }, 'create', 'name', /line breaks/],
  ['name as number', { ...ok, name: 5 }, 'create', 'name', /name must be text$/],
  ['short secret', { ...ok, secret: 'abc' }, 'create', 'secret', /at least 8/],
  ['long secret', { ...ok, secret: 'a'.repeat(129) }, 'create', 'secret', /at most 128/],
  ['secret with space', { ...ok, secret: 'abc defgh' }, 'create', 'secret', /no spaces/],
  ['secret with umlaut', { ...ok, secret: 'abcdefgä' }, 'create', 'secret', /no spaces or accented/],
  ['bad email', { ...ok, email: 'anna@' }, 'create', 'email', /does not look like an email/],
  ['email without dot', { ...ok, email: 'anna@localhost' }, 'create', 'email', /does not look like/],
  ['short pin', { ...ok, voicemailPin: '123' }, 'create', 'voicemailPin', /4 to 12 digits/],
  ['pin letters', { ...ok, voicemailPin: '12a4' }, 'create', 'voicemailPin', /only contain the digits/],
  ['unknown field', { ...ok, department: 'sales' }, 'create', 'department', /unknown field "department"/],
  ['empty secret on update', { secret: '' }, 'update', 'secret', /at least 8/],
  ['empty pin on update', { voicemailPin: '' }, 'update', 'voicemailPin', /4 to 12/],
];

describe('user validation', () => {
  for (const [what, input, mode, field, message] of BAD) {
    it(`refuses ${what}, naming ${field}`, () => {
      const { errors } = checkUserFields(input, mode);
      assert.ok(errors.length > 0, 'expected an error');
      assert.equal(errors[0]!.field, field);
      assert.match(errors[0]!.message, message);
    });
  }

  it('reports every problem of one input', () => {
    const { errors } = checkUserFields({ extension: 'x', name: '', email: 'no', extra: 1 }, 'create');
    assert.deepEqual(
      errors.map((e) => e.field),
      ['extra', 'extension', 'name', 'email'],
    );
  });

  it('accepts and normalizes good input; digits may come as JSON numbers', () => {
    const { values, errors } = checkUserFields(
      {
        extension: 201,
        name: '  Anna Berg ',
        email: ' anna@example.com',
        voicemailPin: 1234,
        createdAt: 'ignored',
      },
      'create',
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(values, {
      extension: '201',
      name: 'Anna Berg',
      email: 'anna@example.com',
      voicemailPin: '1234',
    });
  });

  it('on create, an empty secret or PIN means "generate one"', () => {
    const { values, errors } = checkUserFields({ ...ok, secret: '', voicemailPin: '' }, 'create');
    assert.deepEqual(errors, []);
    assert.equal(values.secret, undefined);
    assert.equal(values.voicemailPin, undefined);
  });

  it('generates strong secrets from an unambiguous alphabet and 6-digit PINs', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => generateSecret()));
    assert.equal(secrets.size, 200);
    for (const s of secrets) {
      assert.ok(s.length >= 16);
      assert.match(s, /^[A-HJ-NP-Za-km-z2-9]+$/);
    }
    for (let i = 0; i < 200; i++) {
      const pin = generateVoicemailPin();
      assert.match(pin, /^\d{6}$/);
      assert.ok(!/^(\d)\1+$/.test(pin) && pin !== '123456');
    }
  });
});
