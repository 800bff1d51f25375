/* Lantern moderator console: the location panel: an offline map of the service area with the report's point, drawn as SVG.
 */
import { byId, state } from "./state.js";
import { caseUrl, format, svg } from "./dom.js";
import { api } from "./server.js";
import { hideError, showError } from "./case.js";

// --- the offline map ---------------------------------------------------------------------------

export function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

export function projection(bbox, width, height, pad) {
  const [west, south, east, north] = bbox;
  // Equirectangular, scaled by cos(latitude) so a town keeps its shape at its own latitude.
  const kx = Math.cos(((south + north) / 2) * Math.PI / 180);
  const spanX = Math.max((east - west) * kx, 1e-9);
  const spanY = Math.max(north - south, 1e-9);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const offsetX = (width - spanX * scale) / 2;
  const offsetY = (height - spanY * scale) / 2;
  return {
    scale,
    point: ([lng, lat]) => [offsetX + (lng - west) * kx * scale, offsetY + (north - lat) * scale],
  };
}

export function drawMap(location, accuracy) {
  const node = byId("map-svg");
  const width = 320;
  const height = 190;
  node.setAttribute("viewBox", `0 0 ${width} ${height}`);
  node.replaceChildren();
  const title = svg("title");
  title.textContent = location ? gettext("Service area with the report's exact point") : gettext("Service area outline");
  node.append(title);
  if (!state.area) return;
  const bbox = state.area.bbox || [0, 0, 1, 1];
  const proj = projection(bbox, width, height, 14);
  const path = rings(state.area.geometry).map((ring) => ring.map((coordinate, index) => {
    const [x, y] = proj.point(coordinate);
    return `${index ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
  }).join(" ") + " Z").join(" ");
  node.append(svg("path", { d: path, class: "map-area", "fill-rule": "evenodd" }));
  if (!location) return;
  const [x, y] = proj.point(location.coordinates);
  if (accuracy) {
    const radius = (accuracy / 111320) * proj.scale; // metres to degrees of latitude to pixels
    if (radius > 3) node.append(svg("circle", { cx: x, cy: y, r: Math.min(radius, 120), class: "map-accuracy" }));
  }
  node.append(svg("circle", { cx: x, cy: y, r: 9, class: "map-halo" }));
  node.append(svg("circle", { cx: x, cy: y, r: 4.5, class: "map-point" }));
}

export function resetMap() {
  drawMap(null);
  byId("map").classList.remove("map-revealed");
  byId("map-overlay").hidden = false;
  byId("map-caption").textContent = gettext("Service area outline. The exact point is shown only on request.");
  const button = byId("show-location");
  button.disabled = false;
  button.textContent = gettext("Show exact location");
}

export async function showLocation() {
  const detail = state.detail;
  if (!detail) return;
  const button = byId("show-location");
  button.disabled = true;
  hideError();
  try {
    const body = await api(`${caseUrl("case", detail.report_id)}?include=location`);
    if (state.detail !== detail) return;
    drawMap(body.location, body.accuracy_m);
    byId("map").classList.add("map-revealed");
    byId("map-overlay").hidden = true;
    const [lng, lat] = body.location.coordinates;
    const accuracy = body.accuracy_m ? ` · ${format(gettext("±%(metres)s m"), { metres: body.accuracy_m })}` : "";
    byId("map-caption").textContent = format(gettext("%(place)s. This view was recorded in the audit trail."), {
      place: `${lat.toFixed(5)}, ${lng.toFixed(5)}${accuracy}`,
    });
    button.textContent = gettext("Exact location shown");
  } catch (error) {
    button.disabled = false;
    showError(error.message);
  }
}
