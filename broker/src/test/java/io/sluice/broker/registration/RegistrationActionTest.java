package io.sluice.broker.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RegistrationActionTest {
    private static final long OLD = 0x100L;
    private static final long NEW = 0x200L;
    private static final long RIVAL = 0x300L;

    @Test
    void noNodeIsCreated() {
        assertThat(RegistrationAction.decide(OptionalLong.empty(), OLD, NEW)).isEqualTo(RegistrationAction.CREATE);
    }

    @Test
    void aNodeOfOurOldSessionIsStale() {
        assertThat(RegistrationAction.decide(OptionalLong.of(OLD), OLD, NEW))
                .isEqualTo(RegistrationAction.DELETE_STALE_AND_CREATE);
    }

    @Test
    void aNodeOfOurCurrentSessionIsAdopted() {
        assertThat(RegistrationAction.decide(OptionalLong.of(NEW), OLD, NEW)).isEqualTo(RegistrationAction.ADOPT);
    }

    @Test
    void aNodeOfAnotherSessionIsADuplicate() {
        assertThat(RegistrationAction.decide(OptionalLong.of(RIVAL), OLD, NEW)).isEqualTo(RegistrationAction.DUPLICATE);
        assertThat(RegistrationAction.decide(OptionalLong.of(RIVAL), 0L, NEW)).isEqualTo(RegistrationAction.DUPLICATE);
    }
}
