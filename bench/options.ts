/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  /** Seconds, not minutes: one short round of everything (CI's smoke test). */
  readonly quick: boolean;
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly out: string;
  /** Write a --cpu-prof profile of the Locksmith process to bench/results/profiles. */
  readonly profile: boolean;
  /** Events put in the ledger before the flat-cost run (0 skips it). */
  readonly ledgerRows: number;
  readonly liveTokens: number;
  /** Ledger size of the large proof measurement (0 skips it; the 10k one always runs). */
  readonly proofEvents: number;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag("quick");
  const number = (name: string, full: number, short: number) => Number(value(name) ?? (quick ? short : full));
  return {
    quick,
    seconds: number("seconds", 10, 2),
    rounds: number("rounds", 3, 1),
    connections: number("connections", 64, 64),
    out: value("out") ?? (quick ? "bench/results/quick.json" : "bench/results/latest.json"),
    profile: flag("profile"),
    ledgerRows: number("ledger-rows", 1_000_000, 0),
    liveTokens: number("live-tokens", 100_000, 10_000),
    proofEvents: number("proof-events", 1_000_000, 0),
  };
}
