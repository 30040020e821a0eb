import type { CredentialTrace } from "../../../src/domain/audit/trace-credential";
import { eventTable, recordList, timeline } from "../../../src/http/console/ledger-views";

// The ledger page's pieces: what a timeline says about an approved, delegated credential, and that
// ledger text (chosen by agents and people) is escaped wherever it is shown.

const HOSTILE = `<script>alert(1)</script>"'&`;
const ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;";

const trace: CredentialTrace = {
  jti: "jti-1",
  status: "revoked",
  agent: "billing-agent",
  user: "mary",
  issued_at: "2026-01-01T00:00:00.000Z",
  expires_at: "2026-01-01T00:01:00.000Z",
  redemptions: 1,
  rejected_redemptions: 0,
  revoked_at: "2026-01-01T00:00:30.000Z",
  revoked_by: { type: "agent_suspended", reason: HOSTILE, seq: "9" },
  events: [
    {
      v: 1,
      seq: 5,
      time: "2026-01-01T00:00:00.000Z",
      type: "issued",
      decision: "allow",
      agent: "billing-agent",
      user: "mary",
      jti: "jti-1",
      detail: { approval_request: "req-1", approvals: "sam sri" },
    },
    { v: 1, seq: 6, time: "2026-01-01T00:00:10.000Z", type: "redeemed", decision: "allow", actor: "billing-prod", jti: "jti-1" },
    { v: 1, seq: 7, time: "2026-01-01T00:00:20.000Z", type: "redeem_rejected", decision: "deny", actor: HOSTILE, reason: HOSTILE, jti: "jti-1" },
  ],
};

test("a credential's timeline names the person it acted for and the people who approved it, in order", () => {
  const page = timeline(trace).text;
  expect(page).toContain("<dt>Acted for (person)</dt><dd>mary</dd>");
  expect(page).toContain("<dt>Approved by</dt><dd>sam, sri</dd>");
  expect(page).toContain("<dt>Approval request</dt><dd>req-1</dd>");
  expect([...page.matchAll(/data-type="(\w+)"/g)].map((m) => m[1])).toEqual(["issued", "redeemed", "redeem_rejected"]);
});

test("ledger text is escaped in the timeline, the table and the record", () => {
  const event = { v: 1, seq: 7, time: "t", type: "denied", decision: "deny", agent: HOSTILE, reason: HOSTILE, jti: HOSTILE, detail: { purpose: HOSTILE } };
  for (const page of [timeline(trace).text, eventTable([event]).text, recordList(event).text]) {
    expect(page).not.toContain("<script>");
    expect(page).toContain(ESCAPED.slice(0, 20));
  }
  // A jti in a link is a path segment: encoded, so it cannot leave the trace path.
  expect(eventTable([{ ...event, jti: "../../oauth/logout?x" }]).text).toContain('href="/console/ledger/trace/..%2F..%2Foauth%2Flogout%3Fx"');
});
