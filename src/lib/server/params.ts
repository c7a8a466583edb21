// Route parameters: an id that is not even a UUID names nothing in any workspace, so it gets the same
// 404 as an id that does not exist (or belongs to another workspace).
import { HttpError } from './http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function exportIdParam(value: string | undefined): string {
  if (!value || !UUID.test(value))
    throw new HttpError(404, 'not-found', 'No such export in this workspace.');
  return value.toLowerCase();
}
