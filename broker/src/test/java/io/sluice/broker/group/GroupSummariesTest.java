package io.sluice.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.ui.GroupSummaries;
import io.sluice.broker.ui.GroupSummaries.Group;
import io.sluice.broker.ui.GroupSummaries.PartitionLag;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cluster page's groups, read from a real coordinator: committed offsets, and lag where a high watermark is known. */
@Timeout(30)
class GroupSummariesTest {
    private static final TopicPartition LED = new TopicPartition("orders", 0);
    private static final TopicPartition ELSEWHERE = new TopicPartition("orders", 1);

    private final CoordinatorFixture f = new CoordinatorFixture();
    private final GroupSummaries summaries = new GroupSummaries(
            1, () -> f.coordinator, tp -> tp.equals(LED) ? OptionalLong.of(25) : OptionalLong.empty());

    @Test
    void committedOffsetsWithLagOnlyForPartitionsThisBrokerLeads() {
        Map<TopicPartition, Errors> stored = f.coordinator
                .commitOffsets("billing", "", Optional.empty(), -1, Map.of(LED, offset(10), ELSEWHERE, offset(4)))
                .orTimeout(5, TimeUnit.SECONDS)
                .join();
        assertThat(stored).containsValues(Errors.NONE);

        GroupSummaries.Groups groups = summaries.get();

        assertThat(groups.note()).contains("broker 1");
        assertThat(groups.groups()).hasSize(1);
        Group billing = groups.groups().get(0);
        assertThat(billing.id()).isEqualTo("billing");
        assertThat(billing.state()).isEqualTo(GroupState.EMPTY.label());
        assertThat(billing.members()).isEmpty();
        assertThat(billing.lag()).isEqualTo(15L);
        assertThat(billing.partitions())
                .containsExactly(
                        new PartitionLag("orders", 0, 10, 25L, 15L), new PartitionLag("orders", 1, 4, null, null));
    }

    @Test
    void noCoordinatorYetMeansNoGroups() {
        GroupSummaries early = new GroupSummaries(1, () -> null, tp -> OptionalLong.empty());

        assertThat(early.get().groups()).isEmpty();
    }

    private CommittedOffset offset(long offset) {
        return new CommittedOffset(offset, 3, "", f.time.millis(), -1);
    }
}
