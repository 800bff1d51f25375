/* Lantern moderator console: talking to the JSON API with the session (CSRF header on writes), problem+json read as a sentence, and the
 * reference data (service area, districts, categories) loaded once.
 */
import { byId, config, state } from "./state.js";
import { districtsWithSlugs, el, format } from "./dom.js";

// --- HTTP --------------------------------------------------------------------------------------

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(rest.join("="));
  }
  return "";
}

export function problemText(body, response) {
  if (body && typeof body === "object") {
    if (Array.isArray(body.errors) && body.errors.length > 1) {
      return body.errors.map((e) => (e.field ? `${e.field}: ${e.detail}` : e.detail)).join(" ");
    }
    if (body.detail) return String(body.detail);
    if (body.title) return String(body.title);
  }
  if (response.status === 401 || response.status === 403) {
    return gettext("Your session has ended or lacks the moderator role. Sign in again.");
  }
  return format(gettext("The server answered %(status)s."), { status: response.status });
}

export async function api(url, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
  }
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (networkError) {
    const error = new Error(gettext("The server could not be reached. Check the connection and try again."));
    error.status = 0;
    throw error;
  }
  let data = null;
  try { data = await response.json(); } catch (parseError) { data = null; }
  if (!response.ok) {
    const error = new Error(problemText(data, response));
    error.status = response.status;
    error.problem = data;
    throw error;
  }
  return data;
}

// --- reference data ----------------------------------------------------------------------------

export async function loadReference() {
  const [area, categories] = await Promise.allSettled([
    api(config.urls.serviceArea),
    api(config.urls.categories),
  ]);
  if (categories.status === "fulfilled" && Array.isArray(categories.value)) {
    for (const category of categories.value) state.categories[category.code] = category.label;
  }
  if (area.status === "fulfilled" && area.value) {
    state.area = area.value;
    state.districts = districtsWithSlugs((area.value.properties && area.value.properties.districts) || []);
    const select = byId("filter-district");
    for (const district of state.districts) {
      select.append(el("option", { value: district.slug, text: district.name }));
    }
  }
}
