/** A setting or a store that keeps Locksmith from starting: its message names what to fix, and main prints it without a stack. */
export class StartupError extends Error {}
