/** Time source, passed in so tests can freeze it. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const epochSeconds = (clock: Clock) => Math.floor(clock.now() / 1000);
