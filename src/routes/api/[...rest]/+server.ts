// Any other /api path: a JSON 404, so API clients never get the app's HTML.
import { errorResponse, HttpError } from '$lib/server/http';

export const prerender = false;

export const fallback = () =>
  errorResponse(new HttpError(404, 'not-found', 'There is no such API endpoint.'));
