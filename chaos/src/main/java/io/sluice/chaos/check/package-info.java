/**
 * The checker of a chaos run: {@link io.sluice.chaos.check.Checker#check} turns a recorded history ({@link
 * io.sluice.chaos.history}) into a {@link io.sluice.chaos.check.CheckResult} (anomalies, counts, availability per
 * fault), a pure function with a constant number of linear passes over the history. {@link
 * io.sluice.chaos.check.CheckMain} is the command line around it. Depends on {@code io.sluice.chaos.history} (the
 * history model) and, in {@code CheckMain} only (with picocli), on {@code io.sluice.chaos.report}; the report in turn
 * is built from this package's result types.
 */
package io.sluice.chaos.check;
