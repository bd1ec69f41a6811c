package io.sluice.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.ReadBatch.OffsetValue;
import io.sluice.chaos.history.Send;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checker on a history of a million events: clean, it is valid with every count right; with one acknowledged
 * write cut from the final read, it finds exactly that write. Correctness only; the timeout merely bounds the test.
 */
@Timeout(300)
class CheckerScaleTest {
    static final int WRITES = 485_000;

    @Test
    void aMillionEventCleanHistoryIsValid() {
        List<Event> history = SyntheticRun.generate(WRITES, 600_000, 1);
        assertThat(history.size()).isGreaterThanOrEqualTo(1_000_000);

        CheckResult result = Checker.check(history);

        assertThat(result.anomalies()).isEmpty();
        long acked = history.stream()
                .filter(e -> e instanceof Send s && s.op() == Send.Op.OK)
                .count();
        assertThat(result.counts().writesInvoked()).isEqualTo(WRITES);
        assertThat(result.counts().writesAcknowledged()).isEqualTo(acked);
        assertThat(result.counts().finalReadRecords()).isEqualTo(acked);
        assertThat(result.availability()).hasSizeGreaterThan(10).allSatisfy(f -> {
            assertThat(f.partitions())
                    .isNotEmpty()
                    .allSatisfy(p -> assertThat(p.msToAck()).isBetween(0L, 2_100L));
            assertThat(f.longestGapAfterHealMs()).isBetween(0L, 2_000L);
        });
    }

    @Test
    void aMillionEventHistoryMissingOneAcknowledgedWriteFindsIt() {
        List<Event> history = new ArrayList<>(SyntheticRun.generate(WRITES, 600_000, 2));
        int finalBatch = -1;
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i) instanceof ReadBatch r
                    && r.mode() == ReadBatch.Mode.FINAL
                    && r.partition().equals("chaos-3")) {
                finalBatch = i;
                break;
            }
        }
        ReadBatch r = (ReadBatch) history.get(finalBatch);
        OffsetValue lost = r.records().get(r.records().size() - 1);
        history.set(
                finalBatch,
                new ReadBatch(
                        r.t(),
                        r.process(),
                        r.mode(),
                        r.partition(),
                        r.records().subList(0, r.records().size() - 1)));

        CheckResult result = Checker.check(history);

        // the consumers read it before (a phantom now), and the final read stops short of the high watermark
        assertThat(result.anomalyCounts())
                .containsOnlyKeys(Kind.LOST, Kind.PHANTOM, Kind.FINAL_READ_INCOMPLETE)
                .containsEntry(Kind.LOST, 1L);
        Anomaly anomaly = result.anomalies().get(0);
        assertThat(anomaly.kind()).isEqualTo(Kind.LOST);
        assertThat(anomaly.values()).containsExactly(lost.value());
        assertThat(anomaly.offset()).isEqualTo(lost.offset());
    }
}
