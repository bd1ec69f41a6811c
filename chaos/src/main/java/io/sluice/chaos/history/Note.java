package io.sluice.chaos.history;

/** Free text for the report: what a process noticed (a reconnect, a rebalance, a harness problem). */
public record Note(long t, String process, String message) implements Event {}
