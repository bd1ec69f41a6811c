package io.sluice.broker.api.handlers;

import java.io.File;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Handler tests that share one {@link CreateTopicsTestCluster} of three brokers per test class. */
abstract class ThreeBrokerClusterTest {
    @TempDir
    static File dir;

    static CreateTopicsTestCluster cluster;

    @BeforeAll
    @Timeout(60)
    static void startCluster() throws Exception {
        cluster = new CreateTopicsTestCluster(dir, 3);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }
}
