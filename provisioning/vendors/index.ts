import type { Vendor } from '../phone.js';
import { cisco } from './cisco.js';
import { grandstream } from './grandstream.js';
import { polycom } from './polycom.js';
import { snom } from './snom.js';
import type { VendorTemplate } from './vendor-template.js';
import { yealink } from './yealink.js';

export * from './vendor-template.js';

/** Every vendor, in the order file names are tried (Yealink and Polycom share `<mac>.cfg`: see the OUI). */
export const TEMPLATES: readonly VendorTemplate[] = [yealink, polycom, grandstream, snom, cisco];

export function templateFor(vendor: Vendor): VendorTemplate {
  return TEMPLATES.find((t) => t.vendor === vendor)!;
}

/** The vendor whose phones carry this MAC's OUI, if any. */
export function vendorByOui(mac: string): Vendor | undefined {
  const oui = mac.slice(0, 6);
  return TEMPLATES.find((t) => t.ouis.includes(oui))?.vendor;
}

/** Vendor, model and (where the phone says it) MAC from a User-Agent header. */
export function parseUserAgent(ua: string): { vendor: Vendor; model: string; mac?: string } | null {
  if (!ua) return null;
  for (const t of TEMPLATES) {
    const r = t.parseUserAgent(ua);
    if (r) return { vendor: t.vendor, ...r };
  }
  return null;
}
