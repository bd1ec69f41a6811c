package io.sluice.replication.log;

import io.sluice.testsupport.ManualClock;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the log tests share, as a JUnit extension on an instance field: a manual clock, a real scheduler for the logs'
 * background work, and the logs (or managers) a test opened, closed after each test before the scheduler stops.
 *
 * <p>Concurrency: one per test instance, used from the test's thread.
 */
public final class LogFixture implements AfterEachCallback {
    public final ManualClock clock;
    public final ScheduledThreadPoolExecutor scheduler;
    private final List<Runnable> closers = new ArrayList<>();
    private final List<UnifiedLog> opened = new ArrayList<>();

    /** One scheduler thread, the clock at {@link ManualClock#DEFAULT_START_MILLIS}. */
    public LogFixture() {
        this(1, ManualClock.DEFAULT_START_MILLIS);
    }

    public LogFixture(int schedulerThreads, long startMillis) {
        this.clock = new ManualClock(startMillis);
        this.scheduler = new ScheduledThreadPoolExecutor(schedulerThreads);
    }

    /** Closes {@code log} after the test; returns it. */
    public UnifiedLog track(UnifiedLog log) {
        closers.add(log::close);
        opened.add(log);
        return log;
    }

    /**
     * Loads the log of {@code tp} from {@code dir} (log start offset 0, recovery from {@code recoveryPoint} after an
     * unclean shutdown) on this fixture's clock and scheduler, and closes it after the test.
     */
    public UnifiedLog open(File dir, TopicPartition tp, LogConfig config, long recoveryPoint, boolean cleanShutdown) {
        return track(UnifiedLog.load(dir, tp, config, recoveryPoint, 0, cleanShutdown, clock, scheduler));
    }

    /** The logs {@link #track}ed so far (a live view). */
    public List<UnifiedLog> opened() {
        return opened;
    }

    /** Runs {@code close} after the test, before the scheduler stops. */
    public void onClose(Runnable close) {
        closers.add(close);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        closers.forEach(Runnable::run);
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
}
