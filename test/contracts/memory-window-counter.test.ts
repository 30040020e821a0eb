import { systemClock } from "../../src/domain/clock";
import { MemoryWindowCounter } from "../../src/stores/memory/memory-window-counter";
import { describeWindowCounterContract } from "./window-counter.contract";

describeWindowCounterContract("MemoryWindowCounter", async () => ({ counter: new MemoryWindowCounter(systemClock), close: async () => undefined }));
