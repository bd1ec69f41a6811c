/**
 * The report of a chaos run: {@link io.sluice.chaos.report.Report} writes {@code summary.txt}, {@code result.json} and
 * {@code timeline.html} (self-contained, inline SVG) from a history and its {@link io.sluice.chaos.check.CheckResult}.
 * Depends on {@code io.sluice.chaos.history} (the history model), {@code io.sluice.chaos.check} (the checker's result
 * types) and Jackson.
 */
package io.sluice.chaos.report;
