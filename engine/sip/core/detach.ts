/**
 * A copy of `s` that shares no memory with the string it was cut from. V8 copies short substrings, but a
 * longer one points into its parent: a value kept from a SIP message (a nonce, a contact) would keep the
 * whole message text alive, ~600 B where 40 were wanted. A JSON round trip yields a fresh flat string;
 * it costs far less than the message that brought the value.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
