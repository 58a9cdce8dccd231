import type { Phone } from '../../provisioning/phone.js';
import type {
  PhoneConfigPreview,
  PhoneDetailView,
  PhoneView,
  ProvisioningInfo,
} from '../../provisioning/phone-view.js';
import {
  PhoneNotFoundError,
  type PhoneInput,
  type PhoneRegistry,
} from '../../provisioning/phone-registry.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse, noContent } from './api-response.js';
import type { Route } from './route.js';

/** What the phone routes need from the provisioning service. */
export interface PhoneApi {
  registry: PhoneRegistry;
  view(p: Phone): PhoneView;
  /** The phone's generated file with passwords masked; null when its vendor is not known. */
  preview(mac: string): PhoneConfigPreview | null;
  info(): ProvisioningInfo;
}

/** `/api/phones`, `/api/phones/:mac` (any common MAC spelling), its file preview, and `/api/provisioning`. */
export function phoneRoutes(api: PhoneApi): Route[] {
  const find = (mac: string): Phone => {
    const p = api.registry.get(mac);
    if (!p) throw ApiErrors.phoneNotFound(mac);
    return p;
  };
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof PhoneNotFoundError) throw ApiErrors.phoneNotFound(err.mac);
      throw err;
    }
  };
  return [
    {
      method: 'GET',
      path: '/api/phones',
      handle: ({ query }) => {
        const state = query.get('state');
        const list = api.registry.list().filter((p) => !state || p.state === state);
        return jsonResponse(
          200,
          list.map((p) => api.view(p)),
        );
      },
    },
    {
      method: 'POST',
      path: '/api/phones',
      body: 'json',
      handle: ({ json, log }) => {
        const phone = api.registry.create(json as PhoneInput);
        log.info('phone set up', { mac: phone.mac, lines: phone.lines });
        return jsonResponse(201, api.view(phone), { Location: `/api/phones/${phone.mac}` });
      },
    },
    {
      method: 'GET',
      path: '/api/phones/:mac',
      handle: ({ params }) => {
        const p = find(params.mac ?? '');
        const detail: PhoneDetailView = {
          ...api.view(p),
          requests: api.registry.requests(p.mac).map((r) => ({ ...r, time: new Date(r.time).toISOString() })),
        };
        return jsonResponse(200, detail);
      },
    },
    {
      method: 'PUT',
      path: '/api/phones/:mac',
      body: 'json',
      handle: ({ params, json }) =>
        guard(() => jsonResponse(200, api.view(api.registry.update(params.mac ?? '', json as PhoneInput)))),
    },
    {
      method: 'DELETE',
      path: '/api/phones/:mac',
      handle: ({ params }) =>
        guard(() => {
          api.registry.delete(params.mac ?? '');
          return noContent();
        }),
    },
    {
      method: 'GET',
      path: '/api/phones/:mac/config',
      handle: ({ params }) => {
        const p = find(params.mac ?? '');
        const preview = api.preview(p.mac);
        if (!preview) throw ApiErrors.phoneVendorUnknown(p.mac);
        return jsonResponse(200, preview);
      },
    },
    {
      method: 'GET',
      path: '/api/provisioning',
      handle: () => jsonResponse(200, api.info()),
    },
  ];
}
