package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testsupport.ManualClock;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the single-broker partition tests: broker 1 on a temporary directory, driven by a manual clock, with
 * a {@link ControllerStub} and no reachable leader; started before and closed after each test, which gets 60 s.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class OneBrokerTest {
    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final ControllerStub controller;
    TestBroker broker;

    /** @param autoCommit whether the controller stub commits AlterPartition requests on its own */
    OneBrokerTest(boolean autoCommit) {
        this.controller = new ControllerStub(autoCommit);
    }

    @BeforeEach
    void startBroker() {
        broker = new TestBroker(1, dir, clock, controller, TestBroker.UNREACHABLE);
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    /** Appends each value as its own batch to {@code tp} with acks=1 and checks the leader took it. */
    void produce(TopicPartition tp, String... values) {
        for (String value : values) {
            assertThat(broker.produceNow(tp, plain(value), 1).error()).isEqualTo(Errors.NONE);
        }
    }
}
