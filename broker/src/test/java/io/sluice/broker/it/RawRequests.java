package io.sluice.broker.it;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * Hand-built requests for {@link RawKafkaConnection}: Produce v9 with {@code acks=-1}, InitProducerId for an
 * idempotent (non-transactional) producer, ApiVersions; and a flipped byte in a record batch.
 */
final class RawRequests {
    static final short PRODUCE_VERSION = 9;
    static final short INIT_PRODUCER_ID_VERSION = 4;
    static final short API_VERSIONS_VERSION = 3;

    /** Byte offset of the CRC field in a v2 record batch (base offset 8, length 4, leader epoch 4, magic 1). */
    static final int CRC_OFFSET = 17;

    private RawRequests() {}

    /** One Produce (v9, acks=-1) of {@code records} to {@code tp}; returns that partition's response. */
    static ProduceResponseData.PartitionProduceResponse produce(
            RawKafkaConnection connection, TopicPartition tp, MemoryRecords records) {
        ProduceResponse response =
                connection.call(connection.header(ApiKeys.PRODUCE, PRODUCE_VERSION), produceRequest(tp, records));
        return response.data().responses().stream()
                .filter(t -> t.name().equals(tp.topic()))
                .flatMap(t -> t.partitionResponses().stream())
                .filter(p -> p.index() == tp.partition())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no response for " + tp + " in " + response.data()));
    }

    /** A Produce request body ({@code acks=-1}, 30 s timeout) carrying {@code records} for {@code tp}. */
    static ProduceRequestData produceRequest(TopicPartition tp, MemoryRecords records) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData()
                .setName(tp.topic())
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData()
                        .setIndex(tp.partition())
                        .setRecords(records))));
        return new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics);
    }

    /** A producer id and epoch for an idempotent producer, or an {@link AssertionError} naming the error. */
    static InitProducerIdResponse initProducerId(RawKafkaConnection connection) {
        InitProducerIdRequestData request = new InitProducerIdRequestData()
                .setTransactionalId(null)
                .setTransactionTimeoutMs(Integer.MAX_VALUE)
                .setProducerId(RecordBatch.NO_PRODUCER_ID)
                .setProducerEpoch(RecordBatch.NO_PRODUCER_EPOCH);
        InitProducerIdResponse response =
                connection.call(connection.header(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_VERSION), request);
        if (response.error() != Errors.NONE) {
            throw new AssertionError("InitProducerId failed: " + response.data());
        }
        return response;
    }

    /** ApiVersions on {@code connection}; the broker answers as long as it serves requests. */
    static ApiVersionsResponse apiVersions(RawKafkaConnection connection) {
        return connection.call(
                connection.header(ApiKeys.API_VERSIONS, API_VERSIONS_VERSION),
                new ApiVersionsRequestData()
                        .setClientSoftwareName("raw-test-client")
                        .setClientSoftwareVersion("1.0"));
    }

    /** A copy of {@code records} with the byte at {@code position} (from the batch start) inverted. */
    static MemoryRecords flipByte(MemoryRecords records, int position) {
        byte[] bytes = RawKafkaConnection.toArray(records.buffer());
        if (position <= CRC_OFFSET + 3 || position >= bytes.length) {
            throw new IllegalArgumentException("position " + position + " is not after the CRC field");
        }
        bytes[position] = (byte) ~bytes[position];
        return MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
    }
}
