import { parseNameAddr, parseUri, type SipRequest } from '../../engine/sip/message/index.js';
import { normalizeMac } from '../mac-address.js';

/** What a phone says about itself in a PnP SUBSCRIBE. */
export interface PnpSubscribe {
  /** From the From user part (Yealink, Snom, Fanvil put the MAC there) or an Event `mac` parameter. */
  mac: string | undefined;
  vendor: string;
  model: string;
  version: string;
  userAgent: string;
}

/** `ua-profile;profile-type="device";vendor="Yealink";model="T46U";version="108.86.0.20"` → parameters. */
function eventParams(value: string): { package: string; params: Map<string, string> } {
  const [pkg, ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    const k = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v =
      eq < 0
        ? ''
        : p
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    if (k) params.set(k, v);
  }
  return { package: (pkg ?? '').trim().toLowerCase(), params };
}

/**
 * Recognises the plug-and-play SUBSCRIBE (the SIP UA configuration framework draft,
 * draft-ietf-sipping-config-framework, as Snom, Yealink, Grandstream, Fanvil … send it to 224.0.1.75):
 * `Event: ua-profile` with `profile-type` "device" (or none). Anything else is not ours.
 */
export function parsePnpSubscribe(req: SipRequest): PnpSubscribe | null {
  if (req.method !== 'SUBSCRIBE') return null;
  const event = req.headers.get('Event');
  if (!event) return null;
  const e = eventParams(event);
  if (e.package !== 'ua-profile') return null;
  const type = e.params.get('profile-type');
  if (type !== undefined && type.toLowerCase() !== 'device') return null;
  const from = parseNameAddr(req.headers.get('From') ?? '');
  const fromUri = from ? parseUri(from.uri) : null;
  const mac = normalizeMac(e.params.get('mac') ?? '') ?? normalizeMac(fromUri?.user ?? '') ?? undefined;
  return {
    mac,
    vendor: (e.params.get('vendor') ?? '').slice(0, 40),
    model: (e.params.get('model') ?? '').slice(0, 40),
    version: (e.params.get('version') ?? '').slice(0, 40),
    userAgent: (req.headers.get('User-Agent') ?? '').slice(0, 200),
  };
}
