import type { UserDirectory } from '../directory/user-directory.js';
import type { NewUser, UserPatch } from '../directory/user.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse, noContent } from './api-response.js';
import type { Route } from './route.js';
import { userToJson } from './user-json.js';

/** `/api/users` and `/api/users/:extension`. Bodies are checked field by field by the directory. */
export function userRoutes(directory: UserDirectory): Route[] {
  const find = (extension: string) => {
    const user = directory.get(extension);
    if (!user) throw ApiErrors.userNotFound(extension);
    return user;
  };
  return [
    {
      method: 'GET',
      path: '/api/users',
      handle: ({ query }) => jsonResponse(200, directory.search(query.get('search') ?? '').map(userToJson)),
    },
    {
      method: 'POST',
      path: '/api/users',
      body: 'json',
      handle: ({ json }) => {
        const user = directory.create(json as NewUser); // any object: validated inside, unknown fields refused
        return jsonResponse(201, userToJson(user), {
          Location: `/api/users/${encodeURIComponent(user.extension)}`,
        });
      },
    },
    {
      method: 'GET',
      path: '/api/users/:extension',
      handle: ({ params }) => jsonResponse(200, userToJson(find(params.extension ?? ''))),
    },
    {
      method: 'PUT',
      path: '/api/users/:extension',
      body: 'json',
      handle: ({ params, json }) =>
        // any object: validated inside, unknown fields refused
        jsonResponse(200, userToJson(directory.update(params.extension ?? '', json as UserPatch))),
    },
    {
      method: 'DELETE',
      path: '/api/users/:extension',
      handle: ({ params }) => {
        directory.delete(params.extension ?? '');
        return noContent();
      },
    },
  ];
}
