import type { CallContext } from "../call-context";
import type { ProvisionInput, Provisioned, RevokedTarget, UpstreamHooks } from "./upstream-hooks";

/**
 * The upstream hooks of every kind as one: each kind's hooks provision only their own upstreams
 * (the first that answers wins), and every revocation reaches all of them.
 */
export class EveryUpstream implements UpstreamHooks {
  private readonly hooks: readonly UpstreamHooks[];

  constructor(...hooks: UpstreamHooks[]) {
    this.hooks = hooks;
  }

  async provision(input: ProvisionInput): Promise<Provisioned | undefined> {
    for (const hook of this.hooks) {
      const provisioned = await hook.provision(input);
      if (provisioned) return provisioned;
    }
    return undefined;
  }

  async revoked(target: RevokedTarget, call: CallContext | undefined): Promise<void> {
    for (const hook of this.hooks) await hook.revoked(target, call);
  }
}
