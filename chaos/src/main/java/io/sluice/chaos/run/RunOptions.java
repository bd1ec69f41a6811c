package io.sluice.chaos.run;

import io.sluice.chaos.cluster.ClusterSettings;
import java.nio.file.Path;
import java.util.List;

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
        int maxFaults) {

    public RunOptions {
        faults = List.copyOf(faults);
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
                0);
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
                maxFaults);
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
                maxFaults);
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
                maxFaults);
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
                maxFaults);
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
                value);
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
                maxFaults);
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
                maxFaults);
    }
}
