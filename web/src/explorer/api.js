// The explorer's only way out: same-origin requests to `custos explorer`, which signs them for the
// node. Every answer is JSON; a refusal becomes an ApiError with the node's problem.
export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.title ? `${problem.title}${problem.detail ? ': ' + problem.detail : ''}` : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.path = path;
  }
}

const cache = new Map();

export async function get(path, { fresh = false } = {}) {
  if (!fresh && cache.has(path)) return cache.get(path);
  const promise = (async () => {
    const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { title: 'not JSON', detail: text.slice(0, 200) };
    }
    if (!response.ok) throw new ApiError(response.status, body, path);
    return body;
  })();
  cache.set(path, promise);
  promise.catch(() => cache.delete(path));
  return promise;
}

// The raw bytes of a bundle (verified as bytes, so its SHA-256 is the file's).
export async function getBytes(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    throw new ApiError(response.status, problem, path);
  }
  return new Uint8Array(await response.arrayBuffer());
}

export const node = (path) => get(`/api/v1/${path}`);
export const enc = encodeURIComponent;
