import { systemClock } from "../../src/domain/clock";
import { MemoryTicketStore } from "../../src/stores/memory/memory-ticket-store";
import { describeTicketStoreContract } from "./ticket-store.contract";

describeTicketStoreContract("MemoryTicketStore", async () => {
  const store = new MemoryTicketStore(systemClock);
  return { store, close: async () => store.close() };
});
