package io.sluice.replication.remote;

/**
 * The remote log manager's settings (Kafka's broker keys).
 *
 * @param brokerId this broker, named in the segment metadata it writes
 * @param taskIntervalMs {@code remote.log.manager.task.interval.ms}: how often each partition's task runs
 * @param copierThreads {@code remote.log.manager.copier.thread.pool.size}: threads of the leaders' tasks (copy, then
 *     retention)
 * @param followerThreads {@code remote.log.manager.thread.pool.size}: threads of the followers' tasks
 * @param readerThreads {@code remote.log.reader.threads}
 * @param readerMaxPendingTasks {@code remote.log.reader.max.pending.tasks}
 * @param fetchMaxWaitMs {@code remote.fetch.max.wait.ms}
 */
public record RemoteLogManagerConfig(
        int brokerId,
        long taskIntervalMs,
        int copierThreads,
        int followerThreads,
        int readerThreads,
        int readerMaxPendingTasks,
        long fetchMaxWaitMs) {

    public RemoteLogManagerConfig {
        if (taskIntervalMs < 1
                || copierThreads < 1
                || followerThreads < 1
                || readerThreads < 1
                || readerMaxPendingTasks < 1
                || fetchMaxWaitMs < 1) {
            throw new IllegalArgumentException("invalid remote log manager config");
        }
    }
}
