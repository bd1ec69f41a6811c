package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.WireRoundTrip;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FindCoordinatorHandlerTest {
    private static final Uuid OFFSETS_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAEg");
    private static final int PARTITIONS = 5;
    private static final int PORT = 9092;

    private final MetadataCache cache = new MetadataCache(1, "cluster");
    private final AtomicInteger creations = new AtomicInteger();
    private final AtomicInteger txnCreations = new AtomicInteger();
    private final FindCoordinatorHandler handler = new FindCoordinatorHandler(
            cache,
            () -> {
                creations.incrementAndGet();
                return CompletableFuture.completedFuture(Errors.NONE);
            },
            () -> {
                txnCreations.incrementAndGet();
                return CompletableFuture.completedFuture(Errors.NONE);
            });

    /**
     * Brokers 1 and 2 listen on PLAINTEXT (127.0.0.1:909x) and EXTERNAL (10.0.0.x:1909x), broker 3 on PLAINTEXT only.
     * Offsets partition p is led by broker p+1 for p in 0..2, by broker 1 for 3, and has no leader for 4.
     */
    private void offsetsTopicExists() {
        ControlRequests.UpdateMetadataBuilder update = ControlRequests.updateMetadata(1, 1)
                .broker(1, PORT + 1, Optional.empty(), "EXTERNAL")
                .broker(2, PORT + 2, Optional.empty(), "EXTERNAL")
                .broker(3, PORT + 3, Optional.empty());
        int[] leaders = {1, 2, 3, 1, -1};
        for (int p = 0; p < PARTITIONS; p++) {
            update.partition(
                    OffsetsTopic.NAME, OFFSETS_ID, p, leaders[p], 1, List.of(1, 2, 3), List.of(1, 2, 3), List.of());
        }
        cache.update(update.build());
    }

    /** A group id that maps to {@code partition} of the five. */
    private static String groupOn(int partition) {
        for (int i = 0; ; i++) {
            String candidate = "group-" + i;
            if (OffsetsTopic.partitionFor(candidate, PARTITIONS) == partition) {
                return candidate;
            }
        }
    }

    private FindCoordinatorResponse find(short version, String listener, FindCoordinatorRequestData request)
            throws Exception {
        return WireRoundTrip.parse(
                ApiKeys.FIND_COORDINATOR,
                version,
                handler.handle(ControlRequests.context(ApiKeys.FIND_COORDINATOR, version, listener), request));
    }

    private static FindCoordinatorRequestData single(byte keyType, String key) {
        return new FindCoordinatorRequestData().setKeyType(keyType).setKey(key);
    }

    private static FindCoordinatorRequestData batch(byte keyType, String... keys) {
        return new FindCoordinatorRequestData().setKeyType(keyType).setCoordinatorKeys(List.of(keys));
    }

    @Test
    void everyVersionNamesTheLeaderOfTheGroupsOffsetsPartition() throws Exception {
        offsetsTopicExists();
        assertThat(handler.minVersion()).isEqualTo((short) 0);
        assertThat(handler.maxVersion()).isEqualTo(ApiKeys.FIND_COORDINATOR.latestVersion());
        String group = groupOn(1);
        for (short version = 0; version < 4; version++) {
            FindCoordinatorResponse response = find(version, "PLAINTEXT", single((byte) 0, group));
            assertThat(response.error()).as("v%d", version).isEqualTo(Errors.NONE);
            assertThat(response.data().nodeId()).isEqualTo(2);
            assertThat(response.data().host()).isEqualTo("127.0.0.1");
            assertThat(response.data().port()).isEqualTo(PORT + 2);
            if (version >= 1) {
                assertThat(response.data().errorMessage()).isNull();
            }
            assertThat(response.throttleTimeMs()).isZero();
        }
        for (short version = 4; version <= 6; version++) {
            FindCoordinatorResponse response = find(version, "PLAINTEXT", batch((byte) 0, group, groupOn(2)));
            assertThat(response.data().coordinators())
                    .as("v%d", version)
                    .extracting(Coordinator::key, Coordinator::nodeId, Coordinator::port, Coordinator::errorCode)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(group, 2, PORT + 2, Errors.NONE.code()),
                            org.assertj.core.groups.Tuple.tuple(groupOn(2), 3, PORT + 3, Errors.NONE.code()));
        }
        assertThat(creations).hasValue(0);
    }

    @Test
    void theEndpointIsTheOneOnTheRequestsListener() throws Exception {
        offsetsTopicExists();
        FindCoordinatorResponse response = find((short) 3, "EXTERNAL", single((byte) 0, groupOn(0)));
        assertThat(response.error()).isEqualTo(Errors.NONE);
        assertThat(response.data().nodeId()).isEqualTo(1);
        assertThat(response.data().host()).isEqualTo("10.0.0.1");
        assertThat(response.data().port()).isEqualTo(PORT + 1 + 1000);

        // broker 3 has no EXTERNAL endpoint: not available there, available on PLAINTEXT
        Coordinator viaExternal = find((short) 4, "EXTERNAL", batch((byte) 0, groupOn(2)))
                .data()
                .coordinators()
                .get(0);
        assertThat(viaExternal.errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
        assertThat(viaExternal.nodeId()).isEqualTo(-1);
    }

    @Test
    void aPartitionWithoutLeaderHasNoCoordinatorYet() throws Exception {
        offsetsTopicExists();
        String group = groupOn(4);
        FindCoordinatorResponse v0 = find((short) 0, "PLAINTEXT", single((byte) 0, group));
        assertThat(v0.error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(v0.data().nodeId()).isEqualTo(-1);
        assertThat(v0.data().host()).isEmpty();
        assertThat(v0.data().port()).isEqualTo(-1);

        FindCoordinatorResponse v1 = find((short) 1, "PLAINTEXT", single((byte) 0, group));
        assertThat(v1.error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(v1.data().errorMessage()).isNotBlank();
        assertThat(creations).hasValue(0);
    }

    @Test
    void aMissingOffsetsTopicIsCreatedAndAnsweredNotAvailable() throws Exception {
        cache.update(ControlRequests.updateMetadata(1, 1)
                .broker(1, PORT + 1, Optional.empty())
                .build());
        FindCoordinatorResponse v2 = find((short) 2, "PLAINTEXT", single((byte) 0, "g"));
        assertThat(v2.error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(creations).hasValue(1);

        FindCoordinatorResponse v4 = find((short) 4, "PLAINTEXT", batch((byte) 0, "a", "b"));
        assertThat(v4.data().coordinators())
                .extracting(Coordinator::key, Coordinator::errorCode)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", Errors.COORDINATOR_NOT_AVAILABLE.code()),
                        org.assertj.core.groups.Tuple.tuple("b", Errors.COORDINATOR_NOT_AVAILABLE.code()));
        assertThat(creations).hasValue(3);
    }

    @Test
    void aTransactionalIdWithoutItsTopicStartsItsCreationAndShareKeysAreInvalid() throws Exception {
        offsetsTopicExists();
        FindCoordinatorResponse response = find((short) 3, "PLAINTEXT", single((byte) 1, "tx-1"));
        assertThat(response.error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(txnCreations).hasValue(1);
        Coordinator empty = find((short) 5, "PLAINTEXT", batch((byte) 1, ""))
                .data()
                .coordinators()
                .get(0);
        assertThat(empty.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());

        Coordinator share = find((short) 6, "PLAINTEXT", batch((byte) 2, "share-group"))
                .data()
                .coordinators()
                .get(0);
        assertThat(share.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(creations).hasValue(0);
    }

    @Test
    void anEmptyBatchGetsAnEmptyAnswer() throws Exception {
        offsetsTopicExists();
        assertThat(find((short) 4, "PLAINTEXT", batch((byte) 0)).data().coordinators())
                .isEmpty();
    }
}
