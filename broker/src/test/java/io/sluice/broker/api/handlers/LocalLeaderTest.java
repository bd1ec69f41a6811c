package io.sluice.broker.api.handlers;

import io.sluice.broker.api.handlers.ProduceHandlerTest.LocalLeader;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Handler tests on a {@link LocalLeader} in a temporary directory, which the test starts and this closes after it. */
abstract class LocalLeaderTest {
    @TempDir
    Path dir;

    /** The test's leader, once it started one. */
    LocalLeader leader;

    @AfterEach
    void stopLeader() {
        if (leader != null) {
            leader.close();
        }
    }
}
