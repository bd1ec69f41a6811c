package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The group ITs' checks catch what they are meant to catch, on made-up histories. */
class GroupLedgerTest {

    /** a reads 0..2 of partition 0 in generation 1 and commits 3; b takes over in generation 2 from 3 and reads 3..4. */
    private static GroupLedger handOver() {
        GroupLedger ledger = new GroupLedger();
        for (long o = 0; o < 3; o++) {
            ledger.delivered("a", "a-1", 1, 0, o);
        }
        ledger.committed("a", 1, 0, 3);
        ledger.delivered("b", "b-1", 2, 0, 3);
        ledger.delivered("b", "b-1", 2, 0, 4);
        ledger.committed("b", 2, 0, 5);
        return ledger;
    }

    @Test
    void aCleanHandOverPassesEveryCheck() {
        GroupLedger ledger = handOver();
        assertThatCode(() -> {
                    ledger.assertEveryRecordDelivered(Map.of(0, 5L));
                    ledger.assertNoRecordDeliveredTwiceInAGeneration();
                    ledger.assertEveryOwnerResumedAtACommittedOffset();
                    ledger.assertCommitsNeverMovedBackward();
                })
                .doesNotThrowAnyException();
    }

    @Test
    void aRecordNeverDeliveredIsFound() {
        assertThatThrownBy(() -> handOver().assertEveryRecordDelivered(Map.of(0, 6L)))
                .hasMessageContaining("never delivered");
    }

    @Test
    void twoOwnersInOneGenerationAreFound() {
        GroupLedger ledger = handOver();
        ledger.delivered("c", "c-1", 2, 0, 4);
        assertThatThrownBy(ledger::assertNoRecordDeliveredTwiceInAGeneration)
                .hasMessageContaining("within one generation");
    }

    @Test
    void redeliveryInALaterGenerationIsAllowedButASkipIsNot() {
        GroupLedger ledger = handOver();
        // c resumes at b's commit in generation 3: fine
        ledger.delivered("c", "c-1", 3, 0, 5);
        assertThatCode(ledger::assertEveryOwnerResumedAtACommittedOffset).doesNotThrowAnyException();
        // d starts at an offset nobody committed: a skip
        ledger.delivered("d", "d-1", 4, 0, 7);
        assertThatThrownBy(ledger::assertEveryOwnerResumedAtACommittedOffset)
                .hasMessageContaining("starts a new stretch");
    }

    @Test
    void aGapWithinAGenerationIsFound() {
        GroupLedger ledger = handOver();
        ledger.delivered("b", "b-1", 2, 0, 6);
        assertThatThrownBy(ledger::assertEveryOwnerResumedAtACommittedOffset)
                .hasMessageContaining("within its generation");
    }

    @Test
    void aCommitThatMovesBackwardIsFound() {
        GroupLedger ledger = handOver();
        ledger.committed("a", 3, 0, 4);
        assertThatThrownBy(ledger::assertCommitsNeverMovedBackward).hasMessageContaining("commit");
    }

    @Test
    void aRemoteCommitIsAResumePointButNotOrdered() {
        GroupLedger ledger = handOver();
        ledger.committedRemotely("r", 2, 0, 4);
        ledger.delivered("e", "e-1", 5, 0, 4);
        assertThatCode(() -> {
                    ledger.assertEveryOwnerResumedAtACommittedOffset();
                    ledger.assertCommitsNeverMovedBackward();
                })
                .doesNotThrowAnyException();
    }
}
