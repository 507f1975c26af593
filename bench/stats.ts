// Confidence intervals for the bench's figures: a percentile bootstrap over the repetitions
// (Efron and Tibshirani, "An Introduction to the Bootstrap", ch. 13), resampling each row's
// repetitions with replacement. A ratio's interval resamples both rows independently (they ran
// interleaved, but not paired: each repetition is a fresh instance). The generator is seeded, so
// the same results give the same intervals (docs/benchmarks.md is regenerated from them).
// With 3 to 5 repetitions an interval is coarse (the resampled medians take few values): it says
// when two rows are not told apart by this run, which a median of five alone cannot.

import { median, quantileSorted, sampleWithReplacement } from "simple-statistics";

export const RESAMPLES = 2000;
export const LEVEL = 0.95;

export type Interval = [number, number];

/** mulberry32: a small seeded generator in [0, 1). */
function seeded(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const usable = (xs: readonly number[]) => xs.filter((x) => Number.isFinite(x));

/** The [2.5 %, 97.5 %] percentiles of a statistic over RESAMPLES resamples. */
function percentileInterval(stat: (random: () => number) => number, seed: number): Interval {
  const random = seeded(seed);
  const values: number[] = [];
  for (let i = 0; i < RESAMPLES; i++) values.push(stat(random));
  values.sort((a, b) => a - b);
  return [quantileSorted(values, (1 - LEVEL) / 2), quantileSorted(values, 1 - (1 - LEVEL) / 2)];
}

/** The median's 95 % interval over repetitions `xs` (null with fewer than 2). */
export function medianInterval(xs: readonly number[], seed = 1): Interval | null {
  const a = usable(xs);
  if (a.length < 2) return null;
  return percentileInterval((r) => median(sampleWithReplacement(a, a.length, r)), seed);
}

/** The 95 % interval of median(a) / median(b), resampling both (null when either has fewer than 2). */
export function ratioInterval(a: readonly number[], b: readonly number[], seed = 1): Interval | null {
  const x = usable(a), y = usable(b);
  if (x.length < 2 || y.length < 2) return null;
  return percentileInterval((r) => median(sampleWithReplacement(x, x.length, r)) / median(sampleWithReplacement(y, y.length, r)), seed);
}

/** What an interval of a ratio (lower is better) says: below 1, above 1, or both. */
export function verdict(ci: Interval | null): "ahead" | "behind" | "not told apart" | "no interval" {
  if (!ci) return "no interval";
  return ci[1] < 1 ? "ahead" : ci[0] > 1 ? "behind" : "not told apart";
}
