// The staff page: reads the intake form into a person as the person file holds it, asks
// POST /v1/rank for the ranking, and shows it. Every text that comes from the server (group
// names, addresses, reasons, messages) is written as text, never parsed as markup: through
// `text` (textContent) or as a string given to append (a text node). Nothing here writes
// markup from a string (src/serve/page.rs tests that no such call is in this file).
"use strict";

const form = document.getElementById("intake");
const TOKEN_KEY = "groupmatch-token";

// The fields sent as they are typed (trimmed; empty means not given). Numbers go as text too:
// the person reader reads "25" as 25 and names the field of a value that is not a number.
const TEXT_FIELDS = [
  "id", "role", "stage", "relationship", "family_aim", "approach_preference",
  "format_preference", "timezone", "latitude", "longitude", "max_travel_km", "gender",
  "gender_specific", "age", "primary_substance", "medication", "goal",
  "facilitation_preference", "self_efficacy", "readiness", "social_support",
  "network_supports_use", "prior",
];
const CHECKBOX_FIELDS = ["approach_strict", "lgbtq", "veteran", "can_pay"];
const LIST_FIELDS = ["audience_preference", "needs", "substances", "risks"];
// The lists typed as text, entries separated in one field.
const SPLIT_FIELDS = ["availability", "languages"];

// Sets `element`'s text, and returns it.
function text(element, value) {
  element.textContent = value;
  return element;
}

function make(tag, value, className) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (value !== undefined) text(element, value);
  return element;
}

// A random pseudonymous id (`p-` and 12 hex digits), as the command line makes one.
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return "p-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A person file's fields from the form; disabled fields (those of the other role) are left out.
function readPerson() {
  const fields = form.elements;
  if (!fields.id.value.trim()) fields.id.value = randomId();
  const person = {};
  for (const name of TEXT_FIELDS) {
    const field = fields[name];
    const value = field.value.trim();
    if (!field.disabled && value !== "") person[name] = value;
  }
  for (const name of CHECKBOX_FIELDS) person[name] = fields[name].checked;
  for (const name of LIST_FIELDS) {
    person[name] = Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (c) => c.value);
  }
  // Entries of availability hold commas (`Sat,Sun 09:00-12:00`): they are separated by `;`.
  person.availability = split(fields.availability.value, /;/);
  person.languages = split(fields.languages.value, /[,\s]+/);
  return person;
}

function split(value, separator) {
  return value.split(separator).map((s) => s.trim()).filter((s) => s !== "");
}

function requestBody() {
  const body = { person: readPerson(), excluded: "counts" };
  // A postal code or place instead of coordinates: the server finds it (`near`).
  const near = form.elements.near.value.trim();
  if (near !== "") body.near = near;
  const top = form.elements.top.value.trim();
  if (top !== "") body.top = /^\d+$/.test(top) ? Number(top) : top;
  const now = form.elements.now.value.trim();
  if (now !== "") body.now = now;
  return body;
}

// Shows the role's own fields: a stage for a person in recovery, relationship and aim for a
// family member. Hidden fields are disabled, so they are neither sent nor in the tab order.
function showRoleFields() {
  const family = form.elements.role.value === "family_member";
  for (const wrapper of form.querySelectorAll(".recovery-only, .family-only")) {
    const off = wrapper.classList.contains("family-only") !== family;
    wrapper.hidden = off;
    for (const field of wrapper.querySelectorAll("select, input")) field.disabled = off;
  }
}

function clearProblems() {
  for (const p of form.querySelectorAll(".field > .problem")) p.remove();
  for (const f of form.querySelectorAll("[aria-invalid]")) {
    f.removeAttribute("aria-invalid");
    const described = (f.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.startsWith("problem-"));
    if (described.length) f.setAttribute("aria-describedby", described.join(" "));
    else f.removeAttribute("aria-describedby");
  }
  const general = document.getElementById("form-problem");
  general.hidden = true;
  text(general, "");
}

// Shows `message` beside the field named `name` (its wrapper's data-field), or above the form
// when no field has that name. Returns the field's first control.
function showProblem(name, message) {
  const wrapper = name && form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!wrapper) {
    const general = document.getElementById("form-problem");
    general.hidden = false;
    general.append(make("span", message), make("br"));
    return null;
  }
  const problem = make("p", message, "problem");
  problem.id = `problem-${name}-${wrapper.querySelectorAll(".problem").length}`;
  wrapper.append(problem);
  const control = wrapper.querySelector("input, select");
  for (const c of wrapper.querySelectorAll("input, select")) {
    c.setAttribute("aria-invalid", "true");
    const described = c.getAttribute("aria-describedby");
    c.setAttribute("aria-describedby", described ? `${described} ${problem.id}` : problem.id);
  }
  return control;
}

// The form field a JSON pointer into the request names, and the item of a list it points to:
// `/person/availability/1` is the second entry typed in the availability field, `/top` the
// number of suggestions.
function fieldOf(pointer) {
  const parts = String(pointer || "").split("/").slice(1);
  if (parts[0] === "person") parts.shift();
  const item = /^\d+$/.test(parts[1] || "") ? Number(parts[1]) : null;
  return { name: parts[0] || null, item };
}

// An RFC 9457 problem: each error beside its field, the focus on the first of those fields in
// the form. The last ranking is taken off the page: it is not the ranking of what the form now
// says.
function showProblemResponse(status, problem) {
  showRanking({});
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  for (const error of errors) {
    const { name, item } = fieldOf(error.pointer);
    const detail = error.detail || error.message || problem.title;
    // Several entries are typed in one field (`weekday evenings; Fri 20:00-19:00`): say which.
    const entry = item !== null && SPLIT_FIELDS.includes(name) ? `entry ${item + 1}: ` : "";
    showProblem(name, entry + detail);
  }
  if (errors.length === 0) {
    const name = status === 401 || status === 403 ? "token" : null;
    showProblem(name, problem.detail || problem.title || `the server answered ${status}`);
  }
  setStatus(`Not ranked: ${errors.length || 1} problem${errors.length > 1 ? "s" : ""} to fix.`);
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

function setStatus(message) {
  text(document.getElementById("status"), message);
}

function signed(x) {
  return (x >= 0 ? "+" : "") + x.toFixed(2);
}

function words(value) {
  return String(value).replaceAll("_", " ");
}

// The directory's cost in words, as the command line's table says it.
function costText(cost) {
  const kinds = { free: "free", donation: "by donation", sliding_scale: "on a sliding scale", insurance: "billed to insurance" };
  if (cost in kinds) return kinds[cost];
  if (cost === 0) return "free";
  return `${cost} a session`;
}

// An address from the directory as a link only when it is http(s); anything else stays text.
function link(url) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    return make("span", url);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return make("span", url);
  const a = make("a", url);
  a.href = parsed.href;
  a.rel = "noopener noreferrer";
  return a;
}

// Where to go (in person: the address, else the city) or how to join (online: the link, else
// the phone, else the web page), as the command line's table says it.
function where(s) {
  const p = make("p", undefined, "where");
  const prefix = s.format === "hybrid" ? "hybrid, " : "";
  if (s.attendance === "online") {
    if (s.join_url) p.append(`${prefix}online: `, link(s.join_url));
    else if (s.phone) p.append(`${prefix}online: call `, make("span", s.phone));
    else if (s.url) p.append(`${prefix}online: see `, link(s.url));
    else p.append(`${prefix}online: no joining link in the directory`);
  } else {
    p.append(`${prefix}in person: `, make("span", s.address || s.city || "no address in the directory"));
  }
  return p;
}

function fillList(list, items) {
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
}

function showSuggestion(s) {
  const item = document.getElementById("suggestion").content.firstElementChild.cloneNode(true);
  text(item.querySelector(".rank"), `${s.rank}.`);
  text(item.querySelector(".name"), s.name);
  text(item.querySelector(".group-id"), s.group_id);
  text(item.querySelector(".score"), `score ${s.score.toFixed(2)}`);
  text(item.querySelector(".approach"), words(s.approach));
  const about = s.distance_approximate ? "about " : "";
  text(item.querySelector(".travel"), s.attendance === "online" ? "online" : `${about}${s.distance_km.toFixed(1)} km`);
  item.querySelector(".where").replaceWith(where(s));
  const choose = item.querySelector(".choose");
  choose.value = s.group_id;
  choose.checked = s.rank <= 3;
  const costs = [];
  if (s.cost !== undefined && s.cost !== null) costs.push(`cost: ${costText(s.cost)}`);
  if (s.open_seats !== null && s.open_seats !== undefined) {
    costs.push(s.capacity ? `${s.open_seats} of ${s.capacity} seats open` : `${s.open_seats} seats open`);
  }
  const cost = item.querySelector(".cost");
  cost.hidden = costs.length === 0;
  text(cost, costs.join("; "));
  const sessions = (s.sessions || []).join(", ");
  text(item.querySelector(".when"), `next: ${s.next_session || "none in the next 13 weeks"}` +
    (sessions ? ` (sessions: ${sessions}, ${s.timezone} time)` : ""));
  fillList(item.querySelector(".next-sessions"), (s.next_sessions || []).map((t) =>
    make("li", `${t.slice(0, 10)} ${t.slice(11, 16)}`)));
  fillList(item.querySelector(".reasons"), (s.explanation || []).map((term) => {
    const li = make("li", undefined, term.contribution >= 0 ? "for" : "against");
    li.append(make("span", `${term.text} `), make("span", `(${signed(term.contribution)})`, "sign"));
    if (term.source === "rule") {
      li.append(make("span", " rule", "tag"));
      if (term.cite) li.title = term.cite;
    }
    return li;
  }));
  const steps = [...(s.next_steps || []).map((t) => `next: ${t}`), ...(s.notes || []).map((t) => `note: ${t}`)];
  fillList(item.querySelector(".steps"), steps.map((t) => make("li", t)));
  return item;
}

// "292 excluded: 148 distance, 210 schedule" from the counts (or the full list).
function excludedText(excluded) {
  if (Array.isArray(excluded)) return `${excluded.length} excluded`;
  const codes = Object.entries(excluded.by_code || {}).map(([code, n]) => `${n} ${words(code)}`);
  return `${excluded.total} excluded` + (codes.length ? `: ${codes.join(", ")}` : "");
}

function showRanking(ranking) {
  const safety = ranking.safety_first || [];
  document.getElementById("safety").hidden = safety.length === 0;
  fillList(document.getElementById("safety-list"), safety.map((t) => make("li", t)));
  const suggestions = ranking.suggestions || [];
  document.getElementById("suggestions").replaceChildren(...suggestions.map(showSuggestion));
  const excluded = document.getElementById("excluded");
  excluded.hidden = !ranking.excluded;
  if (ranking.excluded) {
    text(excluded, excludedText(ranking.excluded) + " (a group failing two checks counts under both)");
  }
  showHandout(suggestions.length > 0, "");
  const about = suggestions.length ? suggestions[0].about_the_person || [] : [];
  document.getElementById("about").hidden = about.length === 0;
  fillList(document.getElementById("about-list"), about.map((t) => make("li", t.text)));
  const basis = document.getElementById("basis");
  basis.hidden = !ranking.score_basis;
  if (ranking.score_basis) text(basis, `score: ${ranking.score_basis.text}.`);
  setStatus(suggestions.length
    ? `${suggestions.length} suggestion${suggestions.length > 1 ? "s" : ""} of ${ranking.eligible} eligible groups for ${ranking.person_id}.`
    : `No group fits ${ranking.person_id}.`);
}

async function rank(event) {
  event.preventDefault();
  clearProblems();
  const token = form.elements.token.value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  if (!token) {
    showProblem("token", "an access token is needed to rank").focus();
    setStatus("Not ranked: an access token is needed.");
    return;
  }
  // The button stays enabled (a disabled button would drop the keyboard focus); the results
  // are marked busy instead.
  const results = document.getElementById("results");
  results.setAttribute("aria-busy", "true");
  setStatus("Ranking…");
  try {
    const response = await fetch("v1/rank", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(requestBody()),
    });
    const body = await response.json().catch(() => ({ title: `the server answered ${response.status}` }));
    if (response.ok) showRanking(body);
    else showProblemResponse(response.status, body);
  } catch (error) {
    showRanking({});
    showProblem(null, `the server could not be reached (${error.message})`);
    setStatus("Not ranked: the server could not be reached.");
  } finally {
    results.removeAttribute("aria-busy");
  }
}

// The handout last made, as a blob: URL (the page's own memory: no person field in any URL).
let handoutUrl = null;

// Shows the handout button (when there are suggestions to choose from) with `message`, and
// forgets the handout last made.
function showHandout(shown, message) {
  document.getElementById("handout-controls").hidden = !shown;
  text(document.getElementById("handout-status"), message);
  document.getElementById("handout-link").hidden = true;
  if (handoutUrl) URL.revokeObjectURL(handoutUrl);
  handoutUrl = null;
}

// The handout for the ticked groups: the person travels in the POST body, as for the ranking,
// and the page comes back as text shown in a new tab from a blob: URL. (A form posted into a new
// tab would need the token in the body and a policy allowing form submission; a blob document
// keeps this page's policy, which allows the handout's one style by its hash and nothing else.)
async function makeHandout() {
  const groups = Array.from(document.querySelectorAll("#suggestions .choose:checked"), (c) => c.value);
  if (groups.length === 0) {
    showHandout(true, "Tick a group for the handout first (the box under each).");
    return;
  }
  const token = form.elements.token.value.trim();
  const { person, near, now } = requestBody();
  const body = { person, groups };
  if (near !== undefined) body.near = near;
  if (now !== undefined) body.now = now;
  showHandout(true, "Making the handout…");
  try {
    const response = await fetch("v1/handout", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      const first = Array.isArray(problem.errors) && problem.errors[0] ? problem.errors[0].detail : null;
      showHandout(true, `No handout: ${first || problem.detail || `the server answered ${response.status}`}`);
      return;
    }
    const html = await response.text();
    showHandout(true, "");
    handoutUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    const link = document.getElementById("handout-link");
    link.href = handoutUrl;
    link.hidden = false;
    const opened = window.open(handoutUrl, "_blank");
    const n = `${groups.length} group${groups.length > 1 ? "s" : ""}`;
    text(document.getElementById("handout-status"), opened
      ? `The handout (${n}) opened in a new tab; print it from there.`
      : `The handout (${n}) is ready: the browser kept it from opening, so open it with the link.`);
  } catch (error) {
    showHandout(true, `No handout: the server could not be reached (${error.message})`);
  }
}

// A fresh form: the defaults, the token of this tab, this computer's time zone, and nothing
// left of the last person on the page.
function startOver() {
  form.elements.token.value = sessionStorage.getItem(TOKEN_KEY) || "";
  form.elements.timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  showRoleFields();
  clearProblems();
  showRanking({});
  setStatus("Nothing ranked yet.");
}

form.elements.role.addEventListener("change", showRoleFields);
form.addEventListener("submit", rank);
document.getElementById("handout").addEventListener("click", makeHandout);
// The reset event comes before the fields are reset: start over after it.
form.addEventListener("reset", () => setTimeout(startOver));
startOver();
