package io.sluice.chaos.history;

import java.util.List;

/** A group member's partitions after a rebalance ({@code generation} as the consumer reports it, -1 if unknown). */
public record Assignment(long t, String process, String group, int generation, List<String> partitions)
        implements Event {}
