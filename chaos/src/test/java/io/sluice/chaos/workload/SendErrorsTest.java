package io.sluice.chaos.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class SendErrorsTest {

    @Test
    void retriedErrorsAreUnknownOutcomes() {
        for (Exception retried : List.of(
                new NotEnoughReplicasException("x"),
                new NotEnoughReplicasAfterAppendException("x"),
                new NotLeaderOrFollowerException("x"),
                new TimeoutException("Expiring 3 record(s)"))) {
            assertThat(SendErrors.definitelyNotWritten(retried, false))
                    .as("%s", retried)
                    .isFalse();
        }
    }

    @Test
    void validationErrorsAndCompletionsInsideSendAreFailures() {
        assertThat(SendErrors.definitelyNotWritten(new RecordTooLargeException("x"), false))
                .isTrue();
        assertThat(SendErrors.definitelyNotWritten(new TimeoutException("metadata"), true))
                .isTrue();
    }

    @Test
    void describesWithClassAndMessage() {
        assertThat(SendErrors.describe(new NotEnoughReplicasException("too few")))
                .isEqualTo("NotEnoughReplicasException: too few");
    }
}
