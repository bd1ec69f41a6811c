package io.sluice.chaos.fault;

/**
 * One planned fault of a schedule.
 *
 * @param id {@code f1}, {@code f2}, ... in plan order
 * @param fault the fault's name
 * @param atMs with {@code --overlap}, when it starts (ms after the workload started); without, unused
 * @param holdMs how long it is held, between injection and undo
 * @param gapMs the quiet time after it healed, before the next fault starts (without {@code --overlap})
 * @param seed the seed of its target choices
 */
public record FaultPlan(String id, String fault, long atMs, long holdMs, long gapMs, long seed) {}
