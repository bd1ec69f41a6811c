package io.sluice.metadata.concurrent;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic task that survives its own failures. {@link java.util.concurrent.ScheduledExecutorService} never runs a
 * periodic task again once a run threw, and says nothing; wrapped in this, a run that throws anything is logged at
 * ERROR with the task's name and counted, and the next run happens at the next period.
 *
 * <p>Immutable; the task runs wherever the scheduler runs it, and so does the failure callback.
 */
public final class SurvivingTask implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SurvivingTask.class);

    private final String name;
    private final Runnable task;
    private final Runnable onFailure;

    private SurvivingTask(String name, Runnable task, Runnable onFailure) {
        this.name = Objects.requireNonNull(name, "name");
        this.task = Objects.requireNonNull(task, "task");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /**
     * @param name what the task is, with its owner's context (e.g. {@code [ReplicaManager broker=1] isr-shrink}); it
     *     is the task's {@code toString()}
     */
    public static SurvivingTask of(String name, Runnable task) {
        return new SurvivingTask(name, task, () -> {});
    }

    /** As {@link #of(String, Runnable)}, also running {@code onFailure} (a counter) after each failed run. */
    public static SurvivingTask of(String name, Runnable task, Runnable onFailure) {
        return new SurvivingTask(name, task, onFailure);
    }

    @Override
    public void run() {
        try {
            task.run();
        } catch (Throwable t) {
            try {
                log.error("Scheduled task {} failed; it runs again at its next period", name, t);
                onFailure.run();
            } catch (Throwable ignored) {
                // logging itself failed (heap exhausted): still keep the period
            }
        }
    }

    /** The same task, also running {@code extra} after each failed run (a scheduler counting its failures). */
    public SurvivingTask alsoOnFailure(Runnable extra) {
        Runnable first = onFailure;
        return new SurvivingTask(name, task, () -> {
            first.run();
            extra.run();
        });
    }

    @Override
    public String toString() {
        return name;
    }
}
