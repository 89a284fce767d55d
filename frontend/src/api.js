// The seagrid HTTP API as the UI uses it: one bearer token per browser tab's session, kept in
// sessionStorage (closing the browser logs out; a shared console should not stay signed in).

const TOKEN_KEY = "seagrid.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The user a token speaks for: its payload is base64url JSON (name, role, office, mmsi, exp). */
export function decodeToken(token) {
  try {
    const part = token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(part + "===".slice((part.length + 3) % 4)), (c) => c.charCodeAt(0)));
    const payload = JSON.parse(json);
    return { name: payload.name ?? payload.sub, role: payload.role, office: payload.office ?? null, mmsi: payload.mmsi ?? null, exp: payload.exp ?? null };
  } catch {
    return null;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get user() {
    const token = this.token;
    const user = token ? decodeToken(token) : null;
    if (user?.exp && user.exp * 1000 < Date.now()) return null;
    return user;
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export async function login(username, password) {
  const body = new URLSearchParams({ username, password, grant_type: "password" });
  const response = await fetch("api/auth/token", { method: "POST", body });
  if (!response.ok) {
    const error = new ApiError(response.status, await errorText(response));
    error.retryAfter = Number(response.headers.get("Retry-After")) || null; // 429: login back-off
    throw error;
  }
  const data = await response.json();
  sessionStorage.setItem(TOKEN_KEY, data.access_token);
  return session.user;
}

async function errorText(response) {
  try {
    const data = await response.json();
    return typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail ?? data);
  } catch {
    return response.statusText;
  }
}

/** JSON request with the session's token; a 401 ends the session (the token expired). */
export async function api(path, { method = "GET", body = undefined, params = undefined } = {}) {
  const query = params ? "?" + new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== "")) : "";
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`api/${path}${query}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    session.clear();
    window.dispatchEvent(new CustomEvent("sessionexpired"));
  }
  if (!response.ok) throw new ApiError(response.status, await errorText(response));
  return response.status === 204 ? null : response.json();
}

/** Lists may come bare or wrapped in a page object ({"items": [...]}, {"alerts": [...]}...). */
export function items(data, key) {
  if (Array.isArray(data)) return data;
  return data?.[key] ?? data?.items ?? data?.results ?? [];
}
