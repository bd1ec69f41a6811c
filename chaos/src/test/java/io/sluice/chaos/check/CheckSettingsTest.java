package io.sluice.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.history.ReadBatch.Mode;
import io.sluice.chaos.history.Send;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The run settings that relax or tighten the checks. */
@Timeout(30)
class CheckSettingsTest {

    @Test
    void defaultsAreDenseOffsetsNoRetentionAndTwoSeconds() {
        assertThat(CheckSettings.from(Map.of())).isEqualTo(new CheckSettings(true, false, 2_000));
        assertThat(CheckSettings.from(Map.of(CheckSettings.TRANSACTIONS, "true"))
                        .denseOffsets())
                .isFalse();
        assertThat(CheckSettings.from(Map.of(
                        CheckSettings.DENSE_OFFSETS, "false",
                        CheckSettings.RETENTION_DELETES, "true",
                        CheckSettings.LIVENESS_LIMIT_MS, "500")))
                .isEqualTo(new CheckSettings(false, true, 500));
    }

    @Test
    void aReadBelowTheFinalReadsStartIsAPhantomUnlessRetentionMayDelete() {
        for (boolean retention : new boolean[] {false, true}) {
            Histories h = Histories.start(1, Map.of(CheckSettings.RETENTION_DELETES, Boolean.toString(retention)));
            h.writeInfo("p0", "t-0", "old").store("t-0", 0, "old").write("p0", "t-0", "a", 1);
            h.seek("c1", "t-0", 0).readStored("c1", Mode.ASSIGN, "t-0", 0, 2).unstore("t-0", 0); // deleted

            CheckResult result = Checker.check(h.heal().finalReadAll().events());

            if (retention) {
                assertThat(result.anomalies()).as("with retention").isEmpty();
            } else {
                assertThat(result.anomalyCounts())
                        .as("without retention")
                        .containsOnlyKeys(Kind.PHANTOM, Kind.FINAL_READ_INCOMPLETE);
            }
        }
    }

    @Test
    void aLowerLivenessLimitTurnsAShortSilenceIntoAnAnomaly() {
        for (String limit : new String[] {"2000", "500"}) {
            Histories h = Histories.start(1, Map.of(CheckSettings.LIVENESS_LIMIT_MS, limit))
                    .write("p0", "t-0", "a");
            h.phase(io.sluice.chaos.history.Phase.Name.HEALING).phase(io.sluice.chaos.history.Phase.Name.HEALED);
            long sentAt = h.now();
            h.add(Send.invoke(sentAt, "p0", "t-0", "b"));
            h.at(sentAt + 1_000)
                    .add(Send.ok(sentAt + 1_000, "p0", "t-0", "b", 1))
                    .store("t-0", 1, "b");

            CheckResult result = Checker.check(h.sample().finalReadAll().events());

            assertThat(result.anomalyCounts().keySet())
                    .as("limit %s", limit)
                    .isEqualTo(
                            limit.equals("500") ? java.util.Set.of(Kind.UNAVAILABLE_AFTER_HEAL) : java.util.Set.of());
        }
    }
}
