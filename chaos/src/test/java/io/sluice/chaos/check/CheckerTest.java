package io.sluice.chaos.check;

import static io.sluice.chaos.check.Histories.BROKERS;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.ReadBatch.Mode;
import io.sluice.chaos.history.Sample.PartitionSample;
import io.sluice.chaos.history.Send;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each test breaks exactly one promise in a small history and expects exactly that kind of anomaly. */
@Timeout(30)
class CheckerTest {

    @Test
    void aCleanRunIsValidAndCounted() {
        CheckResult result = Checker.check(Histories.clean().events());

        assertThat(result.anomalies()).isEmpty();
        assertThat(result.valid()).isTrue();
        assertThat(result.counts().writesInvoked()).isEqualTo(62);
        assertThat(result.counts().writesAcknowledged()).isEqualTo(60);
        assertThat(result.counts().writesFailed()).isEqualTo(1);
        assertThat(result.counts().writesIndeterminate()).isEqualTo(1);
        assertThat(result.counts().finalReadRecords()).isEqualTo(60);
        assertThat(result.counts().recordsRead()).isEqualTo(90);
        assertThat(result.run().partitions()).containsExactly("t-0", "t-1");
        assertThat(result.availability()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("f1");
            assertThat(f.clusterWide()).isFalse();
            assertThat(f.partitions())
                    .extracting(FaultAvailability.PartitionAvailability::partition)
                    .containsExactly("t-0", "t-1");
            assertThat(f.partitions()).allSatisfy(p -> assertThat(p.msToAck()).isPositive());
            assertThat(f.longestGapAfterHealMs()).isBetween(0L, 2_000L);
        });
    }

    @Test
    void anAcknowledgedWriteOverwrittenByAnotherIsLost() {
        Histories h = Histories.start(1).write("p0", "t-0", "a", 0).write("p0", "t-0", "b", 1);
        h.writeInfo("p0", "t-0", "c").store("t-0", 1, "c"); // b truncated away, c appended in its place

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.LOST);
        assertThat(result.anomalies().get(0).values()).containsExactly("b");
        assertThat(result.anomalies().get(0).offset()).isEqualTo(1);
        assertThat(result.valid()).isFalse();
    }

    @Test
    void aValueStoredAtAnotherOffsetThanAcknowledgedIsWrongOffset() {
        Histories h = Histories.start(1).write("p0", "t-0", "a", 0);
        h.writeInfo("p0", "t-0", "x").store("t-0", 1, "x");
        h.write("p0", "t-0", "b", 1).unstore("t-0", 1).store("t-0", 1, "x").store("t-0", 2, "b");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.WRONG_OFFSET);
        assertThat(result.anomalies().get(0).values()).containsExactly("b");
    }

    @Test
    void twoValuesReadAtOneOffsetAreInconsistent() {
        Histories h = Histories.start(1).write("p0", "t-0", "a").write("p0", "t-0", "b");
        h.writeInfo("p0", "t-0", "y");
        h.heal().finalReadAll().seek("final", "t-0", 1).read("final", Mode.FINAL, "t-0", 1, "y"); // a second read

        CheckResult result = Checker.check(h.events());

        assertOnly(result, Kind.INCONSISTENT_OFFSET);
        assertThat(result.anomalies().get(0).values()).containsExactly("b", "y");
    }

    @Test
    void aValueStoredTwiceIsADuplicate() {
        Histories h = Histories.start(1).write("p0", "t-0", "a");
        h.writeInfo("p0", "t-0", "x").store("t-0", 1, "x").store("t-0", 2, "x");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.DUPLICATE);
        assertThat(result.anomalies().get(0).values()).containsExactly("x");
    }

    @Test
    void aDefinitelyFailedWriteThatIsReadIsReported() {
        Histories h = Histories.start(1).write("p0", "t-0", "a");
        h.writeFail("p0", "t-0", "f").store("t-0", 1, "f");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.FAILED_WRITE_READ);
    }

    @Test
    void aValueNobodySentIsUnknown() {
        Histories h = Histories.start(1).write("p0", "t-0", "a").store("t-0", 1, "ghost");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.UNKNOWN_VALUE);
        assertThat(result.anomalies().get(0).values()).containsExactly("ghost");
    }

    @Test
    void acknowledgementsOutOfTheProducersOrderAreReported() {
        Histories h = Histories.start(1).write("p0", "t-0", "a", 1).write("p0", "t-0", "b", 0);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.PRODUCER_ORDER);
        assertThat(result.anomalies())
                .hasSize(2)
                .allSatisfy(a -> assertThat(a.values()).containsExactly("a", "b"));
    }

    @Test
    void indeterminateWritesStoredOutOfTheProducersOrderAreReported() {
        Histories h = Histories.start(1).write("p0", "t-0", "a");
        h.writeInfo("p0", "t-0", "x").writeInfo("p0", "t-0", "y");
        h.store("t-0", 1, "y").store("t-0", 2, "x");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.PRODUCER_ORDER);
        assertThat(result.anomalies().get(0).values()).containsExactly("x", "y");
    }

    @Test
    void aReadValueTheFinalReadLacksIsAPhantom() {
        Histories h = Histories.start(1).write("p0", "t-0", "a").writeInfo("p0", "t-0", "x");
        h.seek("c1", "t-0", 0).read("c1", Mode.ASSIGN, "t-0", 0, "a", 1, "x");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.PHANTOM);
        assertThat(result.anomalies().get(0).processes()).contains("c1");
    }

    @Test
    void aPollBelowTheLastReadOffsetWithoutASeekGoesBackwards() {
        Histories h = writes(Histories.start(1), 12).seek("c1", "t-0", 0);
        h.readStored("c1", Mode.ASSIGN, "t-0", 0, 10).readStored("c1", Mode.ASSIGN, "t-0", 5, 12);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.POLL_BACKWARDS);
        assertThat(result.anomalies().get(0).offset()).isEqualTo(5);
    }

    @Test
    void aSeekAllowsReadingAgain() {
        Histories h = writes(Histories.start(1), 12).seek("c1", "t-0", 0);
        h.readStored("c1", Mode.ASSIGN, "t-0", 0, 10).seek("c1", "t-0", 5);
        h.readStored("c1", Mode.ASSIGN, "t-0", 5, 12);

        assertThat(Checker.check(h.heal().finalReadAll().events()).anomalies()).isEmpty();
    }

    @Test
    void aPollOverRecordsWithoutASeekSkips() {
        Histories h = writes(Histories.start(1), 12).seek("c1", "t-0", 0);
        h.readStored("c1", Mode.ASSIGN, "t-0", 0, 5).readStored("c1", Mode.ASSIGN, "t-0", 8, 12);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.POLL_SKIP);
        assertThat(result.anomalies().get(0).explanation()).contains("5..7");
    }

    @Test
    void aPollOverOffsetsWithoutRecordsIsNoSkipWhenOffsetsMayHaveGaps() {
        Histories h = Histories.start(1, java.util.Map.of(CheckSettings.TRANSACTIONS, "true"));
        h.write("p0", "t-0", "a", 0).write("p0", "t-0", "b", 3); // 1, 2: transaction markers
        h.seek("c1", "t-0", 0).readStored("c1", Mode.ASSIGN, "t-0", 0, 4);

        assertThat(Checker.check(h.heal().finalReadAll().events()).anomalies()).isEmpty();
    }

    @Test
    void aGroupCommitBelowTheLastOneWithoutASeekGoesBackwards() {
        Histories h = writes(Histories.start(1), 20).assign("g1", "grp", "t-0");
        h.readStored("g1", Mode.GROUP, "t-0", 0, 20).commit("g1", "grp", "t-0", 20);
        h.commit("g1", "grp", "t-0", 10);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.COMMIT_BACKWARDS);
    }

    @Test
    void aGroupCommitBelowTheLastOneAfterASeekIsAllowed() {
        Histories h = writes(Histories.start(1), 20).assign("g1", "grp", "t-0");
        h.readStored("g1", Mode.GROUP, "t-0", 0, 20).commit("g1", "grp", "t-0", 20);
        h.seek("g1", "t-0", 10).readStored("g1", Mode.GROUP, "t-0", 10, 12).commit("g1", "grp", "t-0", 12);

        assertThat(Checker.check(h.heal().finalReadAll().events()).anomalies()).isEmpty();
    }

    @Test
    void aGroupCommitBeyondWhatItsMembersReadIsAhead() {
        Histories h = writes(Histories.start(1), 20).assign("g1", "grp", "t-0");
        h.readStored("g1", Mode.GROUP, "t-0", 0, 10).commit("g1", "grp", "t-0", 15);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.COMMIT_AHEAD);
    }

    @Test
    void aHighWatermarkGoingDownIsReported() {
        Histories h = writes(Histories.start(1), 5).sample();
        h.sample("t-0", new PartitionSample(1, 0, BROKERS, BROKERS, 3)).sample();

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.HW_DECREASED);
        assertThat(result.anomalies())
                .singleElement()
                .satisfies(a -> assertThat(a.offset()).isEqualTo(3));
    }

    @Test
    void aLeaderEpochGoingDownIsReported() {
        Histories h =
                writes(Histories.start(1), 5).leader("t-0", 2).leader("t-0", 3).sample();
        h.sample("t-0", new PartitionSample(2, 1, BROKERS, BROKERS, 5)).sample();

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.LEADER_EPOCH_DECREASED);
    }

    @Test
    void theControllerEpochGoingDownIsReported() {
        Histories h = writes(Histories.start(1), 2)
                .sample(2, 5)
                .sample(1, 4)
                .sample(1, 6)
                .sample(1, 6);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.CONTROLLER_EPOCH_DECREASED);
    }

    @Test
    void twoControllersInOneEpochAreReported() {
        Histories h = writes(Histories.start(1), 2)
                .sample(2, 5)
                .sample(3, 5)
                .sample(3, 6)
                .sample(3, 6);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.TWO_CONTROLLERS_IN_EPOCH);
    }

    @Test
    void aLeaderOutsideItsIsrIsReportedOnce() {
        Histories h = writes(Histories.start(1), 2);
        h.sample("t-0", new PartitionSample(1, 0, List.of(2, 3), BROKERS, 2));
        h.sample("t-0", new PartitionSample(1, 0, List.of(2, 3), BROKERS, 2));

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.LEADER_NOT_IN_ISR);
        assertThat(result.anomalyCounts()).containsEntry(Kind.LEADER_NOT_IN_ISR, 1L);
    }

    @Test
    void anIsrMemberOutsideTheReplicasIsReported() {
        Histories h = writes(Histories.start(1), 2);
        h.sample("t-0", new PartitionSample(1, 0, List.of(1, 2, 4), BROKERS, 2));

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.ISR_NOT_IN_REPLICAS);
    }

    @Test
    void aPartitionWithoutAFullIsrAfterHealingIsNotHealed() {
        Histories h = writes(Histories.start(1), 2).heal();
        h.sample("t-0", new PartitionSample(1, 0, List.of(1, 2), BROKERS, 2));

        CheckResult result = Checker.check(h.finalReadAll().events());

        assertOnly(result, Kind.NOT_HEALED);
    }

    @Test
    void aFinalReadShortOfTheHighWatermarkIsIncomplete() {
        Histories h = writes(Histories.start(1), 3).writeInfo("p0", "t-0", "x").store("t-0", 3, "x");
        h.heal().phase(io.sluice.chaos.history.Phase.Name.FINAL_READ);
        h.readStored("final", Mode.FINAL, "t-0", 0, 3).phase(io.sluice.chaos.history.Phase.Name.DONE);

        CheckResult result = Checker.check(h.events());

        assertOnly(result, Kind.FINAL_READ_INCOMPLETE);
        assertThat(result.anomalies().get(0).explanation()).contains("ends at 2");
    }

    @Test
    void aHistoryWithoutHealingOrFinalReadIsInvalid() {
        CheckResult result = Checker.check(writes(Histories.start(1), 3).events());

        assertThat(result.anomalyCounts()).containsOnlyKeys(Kind.NOT_HEALED, Kind.FINAL_READ_INCOMPLETE);
    }

    @Test
    void aPartitionSilentForLongerThanTheLimitAfterAHealIsUnavailable() {
        Histories h = writes(Histories.start(1), 2);
        h.fault(Fault.Op.START, "f1", "kill-leader", 1).fault(Fault.Op.STOP, "f1", "kill-leader", 1);
        h.fault(Fault.Op.HEALED, "f1", "kill-leader", 1);
        long healedAt = h.now() - 10;
        h.add(Send.invoke(h.now(), "p0", "t-0", "slow"));
        h.at(healedAt + 3_000).add(Send.ok(h.now(), "p0", "t-0", "slow", 2)).store("t-0", 2, "slow");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.UNAVAILABLE_AFTER_HEAL);
        Anomaly a = result.anomalies().get(0);
        assertThat(a.values()).containsExactly("slow");
        assertThat(result.availability().get(0).longestGapAfterHealMs()).isBetween(2_900L, 3_000L);
        assertThat(result.availability().get(0).longestGapPartition()).isEqualTo("t-0");
    }

    @Test
    void aWaitCutByTheNextFaultNamesWhenTheAckReallyCame() {
        Histories h = writes(Histories.start(1), 2);
        h.fault(Fault.Op.START, "f1", "kill-majority", 1).fault(Fault.Op.STOP, "f1", "kill-majority", 1);
        h.fault(Fault.Op.HEALED, "f1", "kill-majority", 1);
        long healedAt = h.now();
        h.add(Send.invoke(h.now(), "p0", "t-0", "stuck"));
        h.at(healedAt + 3_000).fault(Fault.Op.START, "f2", "latency", 2);
        long ackAt = healedAt + 9_000;
        h.at(ackAt).add(Send.ok(h.now(), "p0", "t-0", "stuck", 2)).store("t-0", 2, "stuck");
        h.fault(Fault.Op.STOP, "f2", "latency", 2).fault(Fault.Op.HEALED, "f2", "latency", 2);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertThat(result.anomalyCounts()).containsOnlyKeys(Kind.UNAVAILABLE_AFTER_HEAL);
        Anomaly a = result.anomalies().get(0);
        assertThat(a.values()).containsExactly("stuck");
        assertThat(a.explanation())
                .contains("still none when the window closed at t=" + (healedAt + 3_000))
                .contains("stuck was acknowledged at t=" + ackAt);
    }

    @Test
    void aPartitionFailingEveryWriteAfterAHealIsUnavailable() {
        Histories h = writes(Histories.start(1), 2);
        h.fault(Fault.Op.START, "f1", "kill-leader", 1).fault(Fault.Op.HEALED, "f1", "kill-leader", 1);
        h.step(200);
        for (int i = 0; i < 15; i++) {
            h.writeFail("p0", "t-0", "f" + i);
        }
        h.step(10).write("p0", "t-0", "ok");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertOnly(result, Kind.UNAVAILABLE_AFTER_HEAL);
    }

    @Test
    void silenceWhileAnotherFaultIsActiveOrWithinTheLimitIsNoAnomaly() {
        Histories h = writes(Histories.start(1), 2);
        h.fault(Fault.Op.START, "f1", "kill-leader", 1).fault(Fault.Op.START, "f2", "pause-controller", 2);
        h.fault(Fault.Op.HEALED, "f1", "kill-leader", 1);
        h.add(Send.invoke(h.now(), "p0", "t-0", "slow"));
        h.at(h.now() + 5_000).add(Send.ok(h.now(), "p0", "t-0", "slow", 2)).store("t-0", 2, "slow");
        h.fault(Fault.Op.HEALED, "f2", "pause-controller", 2);
        long quickAt = h.now();
        h.add(Send.invoke(quickAt, "p0", "t-0", "quick"));
        h.at(quickAt + 1_500).add(Send.ok(h.now(), "p0", "t-0", "quick", 3)).store("t-0", 3, "quick");

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertThat(result.anomalies()).isEmpty();
        assertThat(result.availability())
                .extracting(FaultAvailability::longestGapAfterHealMs)
                .containsExactly(-1L, 1_500L);
    }

    @Test
    void availabilityMeasuresFromTheStartToTheFirstAckOfANewSendAndTheFirstRead() {
        Histories h = writes(Histories.start(2), 2).leader("t-1", 2).sample();
        h.at(1_000).fault(Fault.Op.START, "f1", "kill-leader", 1);
        h.at(1_100).add(Send.invoke(1_100, "p0", "t-0", "new"));
        h.at(1_700).add(Send.ok(1_700, "p0", "t-0", "new", 2)).store("t-0", 2, "new");
        h.at(1_900).seek("c1", "t-0", 0).at(2_000).readStored("c1", Mode.ASSIGN, "t-0", 0, 3);
        h.fault(Fault.Op.STOP, "f1", "kill-leader", 1).fault(Fault.Op.HEALED, "f1", "kill-leader", 1);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertThat(result.anomalies()).isEmpty();
        FaultAvailability f = result.availability().get(0);
        assertThat(f.start()).isEqualTo(1_000);
        assertThat(f.partitions()).containsExactly(new FaultAvailability.PartitionAvailability("t-0", 700, 1_000));
        assertThat(f.clusterWide()).isFalse();
    }

    @Test
    void aFaultOnBrokersLeadingNothingAffectsEveryPartition() {
        Histories h = writes(Histories.start(2), 2).sample().fault(Fault.Op.START, "f1", "kill-zookeeper", -1);
        h.fault(Fault.Op.STOP, "f1", "kill-zookeeper", -1).fault(Fault.Op.HEALED, "f1", "kill-zookeeper", -1);

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        FaultAvailability f = result.availability().get(0);
        assertThat(f.clusterWide()).isTrue();
        assertThat(f.partitions())
                .extracting(FaultAvailability.PartitionAvailability::partition)
                .containsExactly("t-0", "t-1");
        assertThat(f.partitions()).allSatisfy(p -> assertThat(p.msToAck()).isEqualTo(-1));
    }

    @Test
    void missingFieldsAreSkippedNotFatal() {
        Histories h = writes(Histories.start(1), 2);
        h.add(new io.sluice.chaos.history.ReadBatch(
                h.now(),
                null,
                Mode.ASSIGN,
                "t-0",
                List.of(
                        new io.sluice.chaos.history.ReadBatch.OffsetValue(0, "v0"),
                        new io.sluice.chaos.history.ReadBatch.OffsetValue(5, "ghost"))));
        h.add(new io.sluice.chaos.history.ReadBatch(h.now(), "c2", Mode.ASSIGN, null, null));
        h.sample("t-0", new PartitionSample(-1, -1, null, null, -1));
        h.add(new io.sluice.chaos.history.Fault(h.now(), null, null, null, null, null, null));

        CheckResult result = Checker.check(h.heal().finalReadAll().events());

        assertThat(result.anomalyCounts()).containsOnlyKeys(Kind.UNKNOWN_VALUE, Kind.POLL_SKIP);
        assertThat(result.anomalies()).allSatisfy(a -> assertThat(a.processes()).isEmpty());
    }

    private static Histories writes(Histories h, int n) {
        for (int i = 0; i < n; i++) {
            h.write("p0", "t-0", "v" + i);
        }
        return h;
    }

    private static void assertOnly(CheckResult result, Kind kind) {
        assertThat(result.anomalyCounts()).as("%s", result.anomalies()).containsOnlyKeys(kind);
        assertThat(result.valid()).isFalse();
        assertThat(result.anomalies())
                .isNotEmpty()
                .allSatisfy(a -> assertThat(a.kind()).isEqualTo(kind));
    }
}
