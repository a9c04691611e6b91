// Talking to the server: JSON in and out, one AbortController per channel so that a newer change
// supersedes a computation still running, and the state kept in the URL fragment.

export class ApiError extends Error {
  constructor(field, reason) {
    super(field ? `${field}: ${reason}` : reason);
    this.field = field;
    this.reason = reason;
  }
}

const controllers = new Map();

// POST `body` to `path` on `channel`, aborting that channel's previous request. Resolves to the
// parsed JSON (or a Blob when `as` is "blob"), to null when superseded; throws ApiError otherwise.
export async function call(path, body, { channel = path, as = "json", method = "POST" } = {}) {
  controllers.get(channel)?.abort();
  const controller = new AbortController();
  controllers.set(channel, controller);
  const init = { method, signal: controller.signal, headers: {} };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["Content-Type"] = typeof body === "string" ? "text/plain" : "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
    if (!response.ok) throw await errorOf(response);
    const value = as === "blob" ? await response.blob() : await response.json();
    return controller.signal.aborted ? null : { value, response };
  } catch (error) {
    if (error.name === "AbortError") return null;
    if (error instanceof ApiError) throw error;
    throw new ApiError(null, `the server did not answer (${error.message})`);
  } finally {
    if (controllers.get(channel) === controller) controllers.delete(channel);
  }
}

// Abandons `channel`'s request in flight, if any (the server drops it if it has not started it).
export function abort(channel) {
  controllers.get(channel)?.abort();
  controllers.delete(channel);
}

async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return new ApiError(body.error.field ?? null, body.error.reason ?? String(body.error));
  } catch { /* not JSON: fall through to the status line */ }
  if (response.status === 413) return new ApiError(null, "the file is too large (at most 1 MB)");
  return new ApiError(null, `the server answered ${response.status} ${response.statusText}`);
}

export async function get(path) {
  const result = await call(path, undefined, { method: "GET" });
  return result.value;
}

export function encodeState(state) {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeState(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(padded + "===".slice((padded.length + 3) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

export function stateFromUrl() {
  const match = /(?:^|[#&])s=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!match) return null;
  try { return decodeState(match[1]); } catch { return null; }
}

export function stateToUrl(state) {
  history.replaceState(null, "", `#s=${encodeState(state)}`);
}

export function saveBlob(blob, response, fallbackName) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
