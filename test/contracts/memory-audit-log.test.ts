import { MemoryAuditLog } from "../../src/stores/memory/memory-audit-log";
import { describeAuditLogContract } from "./audit-log.contract";

describeAuditLogContract("MemoryAuditLog", async () => {
  const log = new MemoryAuditLog();
  return { log, reader: log, close: async () => undefined };
});
