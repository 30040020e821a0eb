// A resource server (the CRM) that accepts only Locksmith credentials.
import express from "express";
import { LocksmithResourceServer } from "@locksmith/express";

const locksmith = new LocksmithResourceServer({
  url: "http://localhost:8080",
  id: "crm-prod",
  key: "examples/keys/crm-prod.jwk.json",
  audience: "https://crm.example.com",
});
const app = express();

app.get(
  "/customers/:id",
  locksmith.requireCredential({ scope: "crm:read", resource: (req) => `crm:customers/${req.params.id}`, redeem: "offline" }),
  (req, res) => void res.json({ id: req.params.id, read_by: req.locksmith?.agent }),
);

app.listen(3000);
