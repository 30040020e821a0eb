// The Locksmith console's only script: progressive enhancement of server-rendered pages (every page works
// without it). No inline script is allowed by the CSP; behaviour hangs on data-* attributes.
// Whatever it shows it inserts as text (textContent), never as HTML: ledger text is hostile input.

/** Enhancers by the value of `data-enhance` on an element; each gets the element. Sections add theirs here. */
const enhancers = {};

document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-enhance]")) {
    for (const name of element.dataset.enhance.split(" ")) enhancers[name]?.(element);
  }
});

/** An element with text, built without parsing HTML. */
function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// ---- Ledger: live tail -----------------------------------------------------------------------------

const LEDGER_COLUMNS = ["seq", "time", "type", "decision", "environment", "agent", "user", "scope", "resource", "reason", "jti"];

/** The same row the server renders (ledger-views.ts eventRow). */
function ledgerRow(event) {
  const row = element("tr", undefined, { "data-seq": String(event.seq) });
  for (const column of LEDGER_COLUMNS) {
    const value = event[column];
    const cell = element("td");
    if (value === undefined || value === null) {
      // empty cell
    } else if (column === "seq") {
      cell.append(element("a", value, { href: `/console/ledger/events/${encodeURIComponent(value)}` }));
    } else if (column === "jti") {
      cell.append(element("a", value, { href: `/console/ledger/trace/${encodeURIComponent(value)}` }));
    } else {
      cell.textContent = String(value);
      if (column === "decision") cell.className = `decision-${String(value).replace(/[^a-z]/g, "")}`;
    }
    row.append(cell);
  }
  return row;
}

/** Polls the tail endpoint every few seconds while on; new events matching the filter are appended. */
enhancers["live-tail"] = (button) => {
  const rows = document.querySelector("[data-ledger-rows]");
  const status = document.querySelector("[data-tail-status]");
  if (!rows) return;
  let after = button.dataset.after;
  let timer;
  const url = new URL(button.dataset.tailUrl, location.href);
  const poll = async () => {
    url.searchParams.set("cursor", after);
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      for (const event of body.events) rows.append(ledgerRow(event));
      if (body.events.length > 0) document.querySelector("[data-ledger-empty]")?.remove();
      after = body.last;
      status.textContent = `Live: ${new Date().toISOString()} (${body.events.length} new)`;
    } catch (error) {
      status.textContent = `Live tail stopped: ${error.message}`;
      stop();
    }
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
    button.textContent = "Live tail";
    button.setAttribute("aria-pressed", "false");
  };
  button.hidden = false;
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", () => {
    if (timer) return stop();
    button.textContent = "Stop live tail";
    button.setAttribute("aria-pressed", "true");
    poll();
    timer = setInterval(poll, 3000);
  });
};

// ---- Ledger: inclusion proof, verified in the browser (RFC 6962 / RFC 9162, SHA-256) ---------------

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const sameBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

async function sha256(...parts) {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}
const leafHash = (bytes) => sha256(Uint8Array.of(0), bytes);
const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);

/**
 * RFC 8785 (JCS) for the event document, whose values are strings, numbers, booleans, null and one
 * flat object: keys sorted by UTF-16 code units, ECMAScript number and string serialization.
 */
function canonical(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
}

/** RFC 9162 §2.1.3.2: the root the audit path leads to from `leaf` at `index` of a tree of `size`, or undefined. */
async function rootFromPath(leaf, index, size, path) {
  if (!(index >= 0 && index < size)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** Checks one event's inclusion: its leaf from its own bytes, the path to the root, the root in the signed note. */
async function verifyInclusion(proof) {
  const leaf = await leafHash(new TextEncoder().encode(canonical(proof.event)));
  if (!sameBytes(leaf, fromBase64(proof.leaf_hash))) return { ok: false, why: "the event's bytes do not hash to the leaf the proof names" };
  if (proof.event.seq !== proof.seq || proof.leaf_index !== proof.seq - 1) return { ok: false, why: "the proof is for another event" };
  const root = await rootFromPath(leaf, proof.leaf_index, proof.tree_size, proof.audit_path.map(fromBase64));
  if (!root) return { ok: false, why: "the audit path does not fit a tree of this size" };
  // The C2SP checkpoint body: origin, size, base64 root — the root must be the one the checkpoint signs.
  const [, noteSize, noteRoot] = proof.checkpoint.split("\n");
  if (Number(noteSize) !== proof.tree_size || noteRoot !== proof.root_hash) return { ok: false, why: "the proof's root is not the signed checkpoint's" };
  if (!sameBytes(root, fromBase64(noteRoot))) return { ok: false, why: `the path leads to ${toBase64(root)}, not to the checkpoint's root` };
  return { ok: true, size: proof.tree_size, root: noteRoot };
}

enhancers["verify-proof"] = (button) => {
  const result = document.querySelector("[data-proof-result]");
  button.hidden = false;
  button.addEventListener("click", async () => {
    result.hidden = false;
    result.className = "status";
    result.textContent = "Verifying…";
    try {
      const response = await fetch(button.dataset.proofUrl, { credentials: "same-origin", headers: { accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error_description ?? `HTTP ${response.status}`);
      const outcome = await verifyInclusion(body);
      result.className = `status ${outcome.ok ? "ok" : "bad"}`;
      result.dataset.outcome = outcome.ok ? "verified" : "failed";
      result.textContent = outcome.ok
        ? `Verified: this event is leaf ${body.leaf_index} of the signed checkpoint of ${outcome.size} events (root ${outcome.root}).`
        : `Not verified: ${outcome.why}.`;
    } catch (error) {
      result.className = "status bad";
      result.dataset.outcome = "error";
      result.textContent = `Could not verify: ${error.message}`;
    }
  });
};
