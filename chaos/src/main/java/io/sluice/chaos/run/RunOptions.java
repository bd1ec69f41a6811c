package io.sluice.chaos.run;

import io.sluice.chaos.cluster.ClusterSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs.
 *
 * @param home the Sluice checkout or installation ({@code bin/sluice-cluster} lives in {@code home/bin})
 * @param seed the seed of the schedule and every target choice
 * @param durationMs how long faults are injected (the run then heals, reads and checks)
 * @param faults the fault names to draw from
 * @param overlap whether faults may overlap
 * @param clusterDir a running cluster to target, or null to start one ({@code startDir})
 * @param startDir where to start a cluster when {@code clusterDir} is null
 * @param outDir where the history (and the report) go
 * @param partitions partitions of the workload topic (one producer each)
 * @param ratePerProducer sends per second per producer
 * @param groupMembers members of the workload's consumer group
 * @param cluster settings of a started cluster
 * @param healBoundMs how long to wait for full ISRs after a fault is undone
 * @param gapRangeMs quiet gap between faults, {min, max}
 * @param afterHealedMs how long producers keep writing after the final HEALED
 * @param keepCluster leave a started cluster running after the run
 * @param maxFaults stop injecting after this many faults (0: only the duration bounds the schedule)
 * @param acks the producers' {@code acks}: {@code all} (idempotent producers, the checked promise) or {@code 1}/{@code
 *     0} (idempotence off; to show what weaker settings lose)
 * @param topicConfigs topic configs that replace or add to the workload topic's defaults ({@code
 *     min.insync.replicas=2}, {@code unclean.leader.election.enable=false})
 * @param holdFraction the part of each fault's hold range the schedule draws from, from its minimum (1: all of it)
 */
public record RunOptions(
        Path home,
        long seed,
        long durationMs,
        List<String> faults,
        boolean overlap,
        Path clusterDir,
        Path startDir,
        Path outDir,
        int partitions,
        int ratePerProducer,
        int groupMembers,
        ClusterSettings cluster,
        long healBoundMs,
        long[] gapRangeMs,
        long afterHealedMs,
        boolean keepCluster,
        int maxFaults,
        String acks,
        Map<String, String> topicConfigs,
        double holdFraction) {

    public RunOptions {
        faults = List.copyOf(faults);
        topicConfigs = Map.copyOf(topicConfigs);
        if (!List.of("all", "-1", "1", "0").contains(acks)) {
            throw new IllegalArgumentException("acks must be all, -1, 1 or 0: " + acks);
        }
        if (!(holdFraction > 0 && holdFraction <= 1)) {
            throw new IllegalArgumentException("holdFraction must be in (0, 1]: " + holdFraction);
        }
    }

    /** Whether the producers use {@code acks=all} (and so are idempotent). */
    public boolean acksAll() {
        return acks.equals("all") || acks.equals("-1");
    }

    /** Defaults for a run of {@code durationMs} with {@code seed} over {@code faults}, starting its own cluster. */
    public static RunOptions defaults(Path home, long seed, long durationMs, List<String> faults, Path outDir) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                false,
                null,
                outDir.resolve("cluster"),
                outDir,
                3,
                200,
                2,
                ClusterSettings.DEFAULT,
                90_000,
                new long[] {3_000, 5_000},
                5_000,
                false,
                0,
                "all",
                Map.of(),
                1.0);
    }

    public RunOptions withCluster(Path dir) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                dir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withOverlap(boolean value) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                value,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withKeepCluster(boolean value) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                value,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withWorkload(int partitionCount, int rate, int members) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitionCount,
                rate,
                members,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withMaxFaults(int value) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                value,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withClusterSettings(io.sluice.chaos.cluster.ClusterSettings value) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                value,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withGapRangeMs(long min, long max) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                new long[] {min, max},
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    public RunOptions withAcks(String value) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                value,
                topicConfigs,
                holdFraction);
    }

    /** These options with the workload topic's config {@code key} set to {@code value}. */
    public RunOptions withTopicConfig(String key, String value) {
        Map<String, String> next = new LinkedHashMap<>(topicConfigs);
        next.put(key, value);
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                next,
                holdFraction);
    }

    /** These options with producers writing {@code ms} more after the final healing. */
    public RunOptions withAfterHealedMs(long ms) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                ms,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                holdFraction);
    }

    /**
     * These options with every fault's hold drawn from the lower {@code fraction} of its range ({@code [min, min +
     * fraction * (max - min)]}): the same faults with the same effects (a hold "beyond the session" stays beyond it),
     * held for less time; for short runs.
     */
    public RunOptions withHoldFraction(double fraction) {
        return new RunOptions(
                home,
                seed,
                durationMs,
                faults,
                overlap,
                clusterDir,
                startDir,
                outDir,
                partitions,
                ratePerProducer,
                groupMembers,
                cluster,
                healBoundMs,
                gapRangeMs,
                afterHealedMs,
                keepCluster,
                maxFaults,
                acks,
                topicConfigs,
                fraction);
    }
}
