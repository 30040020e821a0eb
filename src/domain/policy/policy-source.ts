import type { Policy } from "./policy";

/**
 * The policy in force. A getter rather than a value so that a reload can swap
 * it atomically between requests: each request reads it once and keeps that
 * version for all its steps.
 */
export interface PolicySource {
  current(): Policy;
}

export const fixedPolicy = (policy: Policy): PolicySource => ({ current: () => policy });
