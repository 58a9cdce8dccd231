import { ApiErrors } from './api-errors.js';
import { jsonResponse, noContent } from './api-response.js';
import type { ApiSources } from './api-sources.js';
import type { Route } from './route.js';

/** Addresses the SIP layer blocked after failed logins, and lifting a block. */
export function securityRoutes(sources: ApiSources): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/security/blocked',
      handle: () => jsonResponse(200, sources.blockedAddresses()),
    },
    {
      method: 'DELETE',
      path: '/api/security/blocked/:address',
      handle: ({ params, log }) => {
        const address = params.address ?? '';
        if (!sources.unblockAddress(address)) throw ApiErrors.notBlocked(address);
        log.info('address unblocked', { address });
        return noContent();
      },
    },
  ];
}
