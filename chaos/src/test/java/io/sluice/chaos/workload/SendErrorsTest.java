package io.sluice.chaos.workload;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class SendErrorsTest {

    @Test
    void retriedErrorsAreUnknownOutcomes() {
        assertThat(SendErrors.definitelyNotWritten(new NotEnoughReplicasException("x"), false))
                .isFalse();
        assertThat(SendErrors.definitelyNotWritten(new NotEnoughReplicasAfterAppendException("x"), false))
                .isFalse();
        assertThat(SendErrors.definitelyNotWritten(new NotLeaderOrFollowerException("x"), false))
                .isFalse();
        assertThat(SendErrors.definitelyNotWritten(new TimeoutException("Expiring 3 record(s)"), false))
                .isFalse();
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
