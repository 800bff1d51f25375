/* Lantern moderator console: the console's configuration (from the page), its fixed labels and the state every panel reads.
 */

export const config = JSON.parse(document.getElementById("console-config").textContent);
export const byId = (id) => document.getElementById(id);
export const SVG_NS = "http://www.w3.org/2000/svg";
export const QUEUE_LIMIT = 200;
export const OUTCOME_LABELS = {
  approve: gettext("Approved"),
  approve_redacted: gettext("Approved redacted"),
  reject: gettext("Rejected"),
  escalate: gettext("Escalated"),
};
export const STATE_LABELS = {
  open: gettext("New"), escalated: gettext("Escalated"), appealed: gettext("Appealed"), closed: gettext("Closed"),
};
// What the rule asked for, on each hit (moderation.models.RuleHit.Action).
export const ACTION_LABELS = { redact: gettext("redact"), hold: gettext("hold"), reject: gettext("reject") };
// The report's status after a decision (reports.models.Report.Status), as a whole sentence each.
export const REPORT_NOW = {
  published: gettext("The report is now published."),
  rejected: gettext("The report is now rejected."),
  pending_review: gettext("The report is now pending review."),
  withdrawn: gettext("The report is now withdrawn."),
};

export const state = {
  cases: [],
  known: null, // ids seen in the previous queue load; null until the first load
  selectedId: null,
  detail: null,
  decided: null,
  districts: [], // [{name, slug}]
  categories: {}, // code -> label
  area: null,
  busy: false,
  socket: null,
  attempts: 0,
  reconnectTimer: null,
  refreshTimer: null,
  pollTimer: null,
  loadSeq: 0,
  openSeq: 0,
};
