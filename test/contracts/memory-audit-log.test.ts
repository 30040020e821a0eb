import { MemoryAuditLog } from "../../src/stores/memory/memory-audit-log";
import { describeAuditLogContract } from "./audit-log.contract";

describeAuditLogContract("MemoryAuditLog", async () => ({ log: new MemoryAuditLog(), close: async () => undefined }));
