/**
 * The checker of a chaos run: {@link io.sluice.chaos.check.Checker#check} turns a recorded history
 * ({@link io.sluice.chaos.history}) into a {@link io.sluice.chaos.check.CheckResult} (anomalies, counts, availability
 * per fault), a pure function with a constant number of linear passes over the history. {@link
 * io.sluice.chaos.check.CheckMain} is the command line around it. Depends on the history model; the report ({@link
 * io.sluice.chaos.report}) depends on this package's result types, and only {@code CheckMain} (with picocli) on the
 * report.
 */
package io.sluice.chaos.check;
