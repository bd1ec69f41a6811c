package io.sluice.replication.fetcher;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;

/**
 * The fixture of the fetcher tests: a follower broker {@link #LOCAL} whose fetcher manager (started by each test as it
 * needs) fetches from in-memory {@link #leaders} and registers its meters in {@link #registry}; the manager is closed
 * after each test.
 */
abstract class FetcherManagerTestBase {
    static final int LOCAL = 3;

    final FakeLeaders leaders = new FakeLeaders();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReplicaFetcherManager manager;

    @AfterEach
    void closeManager() {
        if (manager != null) {
            manager.close();
        }
    }
}
