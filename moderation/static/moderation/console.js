/* Lantern moderator console.
 *
 * Reads and writes go through the JSON API with the Django session (CSRF header on POST); the queue
 * stays current through /ws/moderation/. User text is only ever inserted as text nodes: reports are
 * written by strangers, and some are written to attack whoever reads them.
 *
 * Texts are in the moderator's language: gettext, ngettext and interpolate come from Django's JavaScript
 * catalog (moderation.console.console_catalog), loaded just before this file.
 *
 * This is the entry module: each panel is an ES module of its own under console/, served as it is (no build).
 */
import { byId, state } from "./console/state.js";
import { loadReference } from "./console/server.js";
import { loadQueue, refreshAges } from "./console/queue.js";
import { act } from "./console/case.js";
import { connect } from "./console/live.js";
import { showLocation } from "./console/map.js";

// --- wiring ------------------------------------------------------------------------------------

function onQueueKeydown(event) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const items = [...document.querySelectorAll(".queue-item")];
  const index = items.indexOf(document.activeElement);
  if (index < 0) return;
  event.preventDefault();
  const next = items[Math.max(0, Math.min(items.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))];
  next.focus();
}

async function start() {
  byId("filters").addEventListener("change", loadQueue);
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  byId("queue-refresh").addEventListener("click", loadQueue);
  byId("queue-list").addEventListener("keydown", onQueueKeydown);
  byId("show-location").addEventListener("click", showLocation);
  for (const button of document.querySelectorAll("#decision-form button[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
  window.addEventListener("online", () => { state.attempts = 0; connect(); });
  window.setInterval(refreshAges, 30000);
  await loadReference();
  await loadQueue();
  connect();
}

start();
