package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ResponseSequencerTest {

    private final ResponseSequencer<String> sequencer = new ResponseSequencer<>();

    @Test
    void releasesOnlyInRegistrationOrder() {
        long a = sequencer.register();
        long b = sequencer.register();
        long c = sequencer.register();
        sequencer.complete(c, "c");
        sequencer.complete(b, "b");
        assertThat(sequencer.pollNext()).isNull();
        sequencer.complete(a, "a");
        assertThat(sequencer.pollNext()).isEqualTo("a");
        assertThat(sequencer.pollNext()).isEqualTo("b");
        assertThat(sequencer.pollNext()).isEqualTo("c");
        assertThat(sequencer.pollNext()).isNull();
        assertThat(sequencer.pending()).isZero();
    }

    @Test
    void rejectsDoubleAndUnknownCompletions() {
        long a = sequencer.register();
        sequencer.complete(a, "a");
        assertThatThrownBy(() -> sequencer.complete(a, "again")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sequencer.complete(5, "never registered")).isInstanceOf(IllegalStateException.class);
        sequencer.pollNext();
        assertThatThrownBy(() -> sequencer.complete(a, "released")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clearDropsEverythingPending() {
        sequencer.register();
        long b = sequencer.register();
        sequencer.complete(b, "b");
        assertThat(sequencer.clear()).isEqualTo(2);
        assertThat(sequencer.pending()).isZero();
        assertThat(sequencer.pollNext()).isNull();
        long c = sequencer.register();
        sequencer.complete(c, "c");
        assertThat(sequencer.pollNext()).isEqualTo("c");
    }
}
