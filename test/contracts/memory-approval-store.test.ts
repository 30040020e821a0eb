import { systemClock } from "../../src/domain/clock";
import { MemoryApprovalStore } from "../../src/stores/memory/memory-approval-store";
import { describeApprovalStoreContract } from "./approval-store.contract";

describeApprovalStoreContract("MemoryApprovalStore", async () => ({ store: new MemoryApprovalStore(systemClock), close: async () => undefined }));
