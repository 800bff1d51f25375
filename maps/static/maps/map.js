/* Lantern insecurity maps: MapLibre GL JS over the maps API's vector tiles. No basemap: the page draws the
   service area and its districts itself, and every figure comes from a stored, published release. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("maps-config").textContent);
  const COLOURS = ["#fde7c8", "#fbb77a", "#f3814f", "#d9473a", "#9e1c2f"];
  const SUPPRESSED = "<" + config.threshold;
  const $ = (id) => document.getElementById(id);
  const state = { releases: [], layer: null, month: null, slice: "all", map: null, mapReady: false, selected: null };

  function setState(value) { document.body.dataset.state = value; }

  function showError(message) {
    const box = $("map-error");
    box.textContent = message;
    box.hidden = false;
    setState("error");
  }

  function text(tag, value, className) {
    const node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  // A numeric value for styling; "<5" has none and is drawn with the hatch instead.
  function sliceValue() { return ["get", state.slice]; }

  function fillColour() {
    const value = ["to-number", sliceValue(), 0];
    const expression = ["step", value, COLOURS[0]];
    config.classes.slice(1).forEach((low, i) => expression.push(low, COLOURS[i + 1]));
    return expression;
  }

  function hatchImage() {
    const size = 8, data = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = (x + y) % size < 2;
        const rgba = on ? [190, 199, 211, 255] : [246, 247, 249, 230];
        data.set(rgba, (y * size + x) * 4);
      }
    }
    return { width: size, height: size, data };
  }

  function tilesUrl() {
    const path = config.urls.tiles.replace("LAYER", state.layer).replace("MONTH", state.month);
    return window.location.origin + path.replace("%7Bz%7D", "{z}").replace("%7Bx%7D", "{x}").replace("%7By%7D", "{y}");
  }

  function currentRelease() {
    return state.releases.find((r) => r.layer === state.layer && r.month === state.month);
  }

  // --- controls ------------------------------------------------------------------------------------

  function fillLayers() {
    const select = $("layer");
    select.replaceChildren();
    const present = Object.keys(config.layers).filter((layer) => state.releases.some((r) => r.layer === layer));
    present.forEach((layer) => {
      const option = text("option", config.layers[layer].label);
      option.value = layer;
      select.append(option);
    });
    state.layer = present.includes(state.layer) ? state.layer : present[0];
    select.value = state.layer;
  }

  function fillMonths() {
    const select = $("month");
    select.replaceChildren();
    const months = state.releases.filter((r) => r.layer === state.layer).map((r) => r.month);
    months.forEach((month) => {
      const [year, number] = month.split("-").map(Number);
      const label = new Date(Date.UTC(year, number - 1, 1)).toLocaleDateString(document.documentElement.lang,
        { month: "long", year: "numeric", timeZone: "UTC" });
      const option = text("option", label.charAt(0).toUpperCase() + label.slice(1));
      option.value = month;
      select.append(option);
    });
    state.month = months.includes(state.month) ? state.month : months[0];
    select.value = state.month;
  }

  function fillSlices() {
    const box = $("slices");
    box.replaceChildren();
    const slices = ["all", ...config.layers[state.layer].slices];
    if (!slices.includes(state.slice)) state.slice = "all";
    slices.forEach((slice) => {
      const button = text("button", config.sliceLabels[slice] || slice);
      button.type = "button";
      button.setAttribute("role", "radio");
      button.dataset.slice = slice;
      button.setAttribute("aria-checked", String(slice === state.slice));
      button.addEventListener("click", () => { state.slice = slice; fillSlices(); restyle(); showDetails(); });
      box.append(button);
    });
  }

  function describeRelease() {
    const release = currentRelease();
    const meta = $("release-meta");
    meta.replaceChildren();
    if (!release) return;
    const published = new Date(release.published_at).toLocaleDateString(document.documentElement.lang,
      { day: "numeric", month: "short", year: "numeric" });
    meta.append(text("strong", config.text.epsilon.replace("%(epsilon)s", String(release.epsilon))),
      document.createTextNode(" · H3 " + release.h3_resolution + " · "),
      document.createTextNode(config.text.published.replace("%(date)s", published)));
    $("legend-unit").textContent = config.layers[state.layer].unit;
    $("title").textContent = config.layers[state.layer].label;
    $("download-geojson").href = release.links.geojson;
    $("download-csv").href = release.links.csv;
  }

  function showDetails() {
    const box = $("details");
    const feature = state.selected;
    box.replaceChildren();
    if (!feature) { box.textContent = config.text.clickCell; box.classList.add("muted"); return; }
    box.classList.remove("muted");
    const list = document.createElement("dl");
    const add = (label, value, strong) => {
      const dt = text("dt", label), dd = text("dd", value);
      if (strong) dd.style.color = "#1e3a8a";
      list.append(dt, dd);
    };
    ["all", ...config.layers[state.layer].slices].forEach((slice) => {
      const raw = feature.properties[slice];
      add(config.sliceLabels[slice] || slice, raw === SUPPRESSED ? config.text.under : String(raw), slice === state.slice);
    });
    if (config.layers[state.layer].perception) {
      const mean = feature.properties.perception_mean;
      add(config.text.perception, mean === undefined || mean === null ? config.text.notPublished : mean.toFixed(1));
    }
    const id = document.createElement("p");
    id.className = "small muted";
    id.append(document.createTextNode(config.text.cell + " "), text("code", feature.properties.cell));
    box.append(list, id);
  }

  // --- map ---------------------------------------------------------------------------------------

  function restyle() {
    const map = state.map;
    if (!map || !map.getLayer("cells-fill")) return;
    map.setFilter("cells-fill", ["!=", sliceValue(), SUPPRESSED]);
    map.setPaintProperty("cells-fill", "fill-color", fillColour());
    map.setFilter("cells-under", ["==", sliceValue(), SUPPRESSED]);
  }

  function showRelease() {
    const map = state.map;
    if (!map || !state.mapReady) return;
    ["cells-fill", "cells-under", "cells-line", "cells-selected"].forEach((id) => map.getLayer(id) && map.removeLayer(id));
    if (map.getSource("release")) map.removeSource("release");
    state.selected = null;
    showDetails();
    describeRelease();
    if (!state.layer || !state.month) return;
    setState("loading");
    map.addSource("release", { type: "vector", tiles: [tilesUrl()], minzoom: 0, maxzoom: 14 });
    const common = { source: "release", "source-layer": state.layer };
    map.addLayer({ id: "cells-fill", type: "fill", ...common, paint: { "fill-color": fillColour(), "fill-opacity": 0.82 } },
      "area-line");
    map.addLayer({ id: "cells-under", type: "fill", ...common, paint: { "fill-pattern": "hatch", "fill-opacity": 0.9 } },
      "area-line");
    map.addLayer({ id: "cells-line", type: "line", ...common,
      paint: { "line-color": "#ffffff", "line-width": 0.6, "line-opacity": 0.9 } }, "area-line");
    map.addLayer({ id: "cells-selected", type: "line", ...common, filter: ["==", ["get", "cell"], ""],
      paint: { "line-color": "#1e3a8a", "line-width": 2.5 } });
    restyle();
    map.once("idle", () => setState("ready"));
  }

  function buildMap() {
    const area = config.area;
    const map = new maplibregl.Map({
      container: "map",
      style: {
        version: 8,
        sources: {
          area: { type: "geojson", data: area.outline },
          districts: { type: "geojson", data: area.districts },
        },
        layers: [
          { id: "background", type: "background", paint: { "background-color": "#e9edf2" } },
          { id: "area-fill", type: "fill", source: "area", paint: { "fill-color": "#fbfcfd" } },
          { id: "district-line", type: "line", source: "districts",
            paint: { "line-color": "#64748b", "line-width": 1.1, "line-dasharray": [3, 2], "line-opacity": 0.8 } },
          { id: "area-line", type: "line", source: "area", paint: { "line-color": "#334155", "line-width": 2 } },
        ],
      },
      bounds: [[area.bbox[0], area.bbox[1]], [area.bbox[2], area.bbox[3]]],
      fitBoundsOptions: { padding: 36 },
      minZoom: 8,
      maxZoom: 16,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
    map.on("load", () => {
      map.addImage("hatch", hatchImage(), { pixelRatio: 1 });
      area.districts.features.forEach((district) => {
        new maplibregl.Marker({ element: text("div", district.properties.name, "district-label") })
          .setLngLat(district.properties.label).addTo(map);
      });
      state.mapReady = true;
      showRelease();
    });
    map.on("click", (event) => {
      const hit = map.queryRenderedFeatures(event.point, { layers: ["cells-fill", "cells-under"] })[0];
      state.selected = hit || null;
      map.setFilter("cells-selected", ["==", ["get", "cell"], hit ? hit.properties.cell : ""]);
      showDetails();
    });
    ["cells-fill", "cells-under"].forEach((id) => {
      map.on("mouseenter", id, () => { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", id, () => { map.getCanvas().style.cursor = ""; });
    });
    map.on("error", (event) => { if (event.sourceId === "release") showError(config.text.loadFailed); });
    state.map = map;
    window.lanternMap = map;
  }

  async function start() {
    if (!config.area) { showError(config.text.noReleases); return; }
    buildMap();
    let response;
    try {
      response = await fetch(config.urls.releases, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      showError(config.text.loadFailed);
      return;
    }
    if (!response.ok) { showError(config.text.loadFailed); return; }
    state.releases = await response.json();
    if (!state.releases.length) { showError(config.text.noReleases); return; }
    fillLayers();
    fillMonths();
    fillSlices();
    $("layer").addEventListener("change", (event) => {
      state.layer = event.target.value; fillMonths(); fillSlices(); showRelease();
    });
    $("month").addEventListener("change", (event) => { state.month = event.target.value; showRelease(); });
    if (state.mapReady) showRelease(); else describeRelease();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
