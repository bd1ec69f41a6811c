package io.sluice.chaos.check;

import java.util.Map;

/**
 * The run settings ({@link io.sluice.chaos.history.RunStarted#settings}) that change what the checker accepts.
 *
 * @param denseOffsets every offset of a partition holds a record (no compaction, no transaction markers); when false,
 *     gaps in the final read are allowed and a consumer may jump over offsets the final read has no record at
 * @param retentionDeletes retention may delete the head of a log during the run, so the final read may start above
 *     offset 0 and a consumer may have read records below its start
 * @param livenessLimitMs the longest a partition may go without an ack after a fault healed
 */
public record CheckSettings(boolean denseOffsets, boolean retentionDeletes, long livenessLimitMs) {
    /** {@code "false"} when offsets may have gaps; default true, false when {@value #TRANSACTIONS} is true. */
    public static final String DENSE_OFFSETS = "check.dense-offsets";
    /** {@code "true"} when retention may delete records during the run; default false. */
    public static final String RETENTION_DELETES = "check.retention-deletes";
    /** The liveness limit in ms; default {@value #DEFAULT_LIVENESS_LIMIT_MS}. */
    public static final String LIVENESS_LIMIT_MS = "check.liveness-limit-ms";
    /** {@code "true"} when the workload uses transactions (their markers take offsets). */
    public static final String TRANSACTIONS = "transactions";

    public static final long DEFAULT_LIVENESS_LIMIT_MS = 2_000;

    public static CheckSettings defaults() {
        return new CheckSettings(true, false, DEFAULT_LIVENESS_LIMIT_MS);
    }

    public static CheckSettings from(Map<String, String> settings) {
        if (settings == null) {
            return defaults();
        }
        boolean transactions = Boolean.parseBoolean(settings.getOrDefault(TRANSACTIONS, "false"));
        boolean dense = Boolean.parseBoolean(settings.getOrDefault(DENSE_OFFSETS, transactions ? "false" : "true"));
        boolean retention = Boolean.parseBoolean(settings.getOrDefault(RETENTION_DELETES, "false"));
        long limit = Long.parseLong(settings.getOrDefault(LIVENESS_LIMIT_MS, Long.toString(DEFAULT_LIVENESS_LIMIT_MS))
                .trim());
        return new CheckSettings(dense, retention, limit);
    }
}
