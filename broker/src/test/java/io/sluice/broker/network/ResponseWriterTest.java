package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.FileRegion;
import io.sluice.broker.api.ApiResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The response writer: byte-exact with the kafka-clients serializer, and zero-copy for file-backed records. */
@Timeout(30)
class ResponseWriterTest {

    private static final int PREFIX = 17;

    @TempDir
    Path dir;

    private final MemoryRecords batch = MemoryRecords.withRecords(
            Compression.NONE,
            new SimpleRecord("k1".getBytes(StandardCharsets.UTF_8), "v1".getBytes(StandardCharsets.UTF_8)),
            new SimpleRecord("v2".getBytes(StandardCharsets.UTF_8)));

    /** A segment-like file: unrelated bytes, then the batch, then more unrelated bytes. */
    private FileChannel segmentWithBatch() throws IOException {
        Path file = dir.resolve("00000000000000000000.log");
        ByteBuffer content = ByteBuffer.allocate(PREFIX + batch.sizeInBytes() + 9);
        content.put(new byte[PREFIX])
                .put(batch.buffer().duplicate())
                .put(new byte[9])
                .flip();
        Files.write(file, content.array());
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    private static FetchResponseData fetchResponse(BaseRecords records) {
        FetchResponseData response = new FetchResponseData().setSessionId(0);
        FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse().setTopic("t");
        topic.partitions()
                .add(new FetchResponseData.PartitionData()
                        .setPartitionIndex(0)
                        .setHighWatermark(2)
                        .setLastStableOffset(2)
                        .setLogStartOffset(0)
                        .setRecords(records));
        response.responses().add(topic);
        return response;
    }

    private static TestHandler<FetchRequestData> fetchHandler(BaseRecords records) {
        return new TestHandler<FetchRequestData>(
                ApiKeys.FETCH,
                (short) 4,
                (short) 12,
                false,
                (ctx, req) -> CompletableFuture.completedFuture(ApiResponse.of(fetchResponse(records))));
    }

    private static RequestHeader fetchHeader() {
        return KafkaWire.header(ApiKeys.FETCH, (short) 12, 77);
    }

    private static ByteBuffer fetchRequest() {
        FetchRequestData data =
                new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20);
        data.topics()
                .add(new FetchRequestData.FetchTopic()
                        .setTopic("t")
                        .setPartitions(List.of(new FetchRequestData.FetchPartition()
                                .setPartition(0)
                                .setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20))));
        return KafkaWire.frame(fetchHeader(), data);
    }

    private static byte[] bytesOf(MemoryRecords records) {
        ByteBuffer buffer = records.buffer().duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private void assertFetchOfTheBatch(byte[] wire) {
        List<ByteBuffer> frames = KafkaWire.splitFrames(wire);
        assertThat(frames).hasSize(1);
        FetchResponse response = KafkaWire.parse(frames.get(0), fetchHeader());
        MemoryRecords records = (MemoryRecords)
                response.data().responses().get(0).partitions().get(0).records();
        assertThat(bytesOf(records)).isEqualTo(bytesOf(batch));
        List<String> values = new ArrayList<>();
        for (Record record : records.records()) {
            byte[] value = new byte[record.valueSize()];
            record.value().get(value);
            values.add(new String(value, StandardCharsets.UTF_8));
        }
        assertThat(values).containsExactly("v1", "v2");
    }

    @Test
    void fileBackedFetchIsWrittenAsAFileRegionThatDoesNotCloseTheSegment() throws IOException {
        try (FileChannel segment = segmentWithBatch()) {
            FileRecordsSlice slice = new FileRecordsSlice(segment, PREFIX, batch.sizeInBytes());
            try (EmbeddedConnection connection = new EmbeddedConnection(List.of(fetchHandler(slice)))) {
                connection.send(fetchRequest());
                connection.channel.runPendingTasks();

                List<Object> outbound = new ArrayList<>(connection.channel.outboundMessages());
                assertThat(outbound).hasSize(3);
                assertThat(outbound.get(0)).isInstanceOf(ByteBuf.class);
                assertThat(outbound.get(1)).isInstanceOf(FileRegion.class).isInstanceOf(NonClosingFileRegion.class);
                assertThat(outbound.get(2)).isInstanceOf(ByteBuf.class);
                FileRegion region = (FileRegion) outbound.get(1);
                assertThat(region.position()).isEqualTo(PREFIX);
                assertThat(region.count()).isEqualTo(batch.sizeInBytes());

                assertFetchOfTheBatch(KafkaWire.drainOutbound(connection.channel));
                assertThat(region.refCnt()).isZero();
                assertThat(segment.isOpen()).isTrue();
            }
            assertThat(segment.isOpen()).isTrue();
        }
    }

    @Test
    void withoutZeroCopyTheFileBytesAreCopiedIntoBuffers() throws IOException {
        try (FileChannel segment = segmentWithBatch()) {
            FileRecordsSlice slice = new FileRecordsSlice(segment, PREFIX, batch.sizeInBytes());
            try (EmbeddedConnection connection = new EmbeddedConnection(1 << 20, false, List.of(fetchHandler(slice)))) {
                connection.send(fetchRequest());
                connection.channel.runPendingTasks();
                assertThat(connection.channel.outboundMessages()).allMatch(ByteBuf.class::isInstance);
                assertFetchOfTheBatch(KafkaWire.drainOutbound(connection.channel));
            }
            assertThat(segment.isOpen()).isTrue();
        }
    }

    /** Under TLS a large file slice goes out as several pooled chunks of at most 64 KiB, with the same bytes. */
    @Test
    void withoutZeroCopyALargeSliceIsCopiedInChunks() throws IOException {
        int size = 3 * ResponseWriter.FILE_CHUNK + 123;
        byte[] content = new byte[size + PREFIX];
        new java.util.Random(7).nextBytes(content);
        Path file = dir.resolve("large.log");
        Files.write(file, content);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FetchResponseData response = fetchResponse(new FileRecordsSlice(channel, PREFIX, size));
            ResponseWriter.EncodedResponse copied =
                    ResponseWriter.encode(UnpooledByteBufAllocator.DEFAULT, 3, (short) 1, response, (short) 12, false);
            try {
                List<ByteBuf> chunks = copied.parts().stream()
                        .map(ByteBuf.class::cast)
                        .filter(b -> b.readableBytes() == ResponseWriter.FILE_CHUNK || b.readableBytes() == 123)
                        .toList();
                assertThat(chunks).hasSize(4);
                assertThat(copied.parts()).allMatch(ByteBuf.class::isInstance);
            } finally {
                copied.release();
            }
            assertThat(encode(response, (short) 12, (short) 1, 3, false))
                    .isEqualTo(encode(response, (short) 12, (short) 1, 3, true));
        }
    }

    @Test
    void memoryRecordsAndFileSlicesProduceTheSameBytesAsTheKafkaClientsSerializer() throws IOException {
        FetchResponseData inMemory = fetchResponse(batch);
        byte[] expected = frameByKafkaClients(inMemory, (short) 12, (short) 1, 5);
        assertThat(encode(inMemory, (short) 12, (short) 1, 5, true)).isEqualTo(expected);
        try (FileChannel segment = segmentWithBatch()) {
            FetchResponseData fromFile = fetchResponse(new FileRecordsSlice(segment, PREFIX, batch.sizeInBytes()));
            assertThat(encode(fromFile, (short) 12, (short) 1, 5, true)).isEqualTo(expected);
            assertThat(encode(fromFile, (short) 12, (short) 1, 5, false)).isEqualTo(expected);
        }
    }

    @Test
    void ordinaryMessagesAreByteExactAtFlexibleAndOldVersions() {
        MetadataResponseData metadata =
                new MetadataResponseData().setClusterId("c").setControllerId(2);
        metadata.brokers()
                .add(new MetadataResponseData.MetadataResponseBroker()
                        .setNodeId(2)
                        .setHost("h")
                        .setPort(9092)
                        .setRack("r1"));
        MetadataResponseData.MetadataResponseTopic topic =
                new MetadataResponseData.MetadataResponseTopic().setName("t").setTopicId(Uuid.randomUuid());
        for (int p = 0; p < 300; p++) {
            topic.partitions()
                    .add(new MetadataResponseData.MetadataResponsePartition()
                            .setPartitionIndex(p)
                            .setLeaderId(2)
                            .setLeaderEpoch(-70000 + p)
                            .setReplicaNodes(List.of(1, 2, 3))
                            .setIsrNodes(List.of(2, 3)));
        }
        metadata.topics().add(topic);
        for (short version : new short[] {1, 9, 12}) {
            short headerVersion = ApiKeys.METADATA.responseHeaderVersion(version);
            assertThat(encode(metadata, version, headerVersion, 9, true))
                    .isEqualTo(frameByKafkaClients(metadata, version, headerVersion, 9));
        }
    }

    @Test
    void aSliceBeyondTheEndOfTheFileFailsWhenCopiedAndLeaksNoBuffer() throws IOException {
        try (FileChannel segment = segmentWithBatch()) {
            FileRecordsSlice tooLong = new FileRecordsSlice(segment, PREFIX, batch.sizeInBytes() + 100);
            UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);
            assertThatThrownBy(() ->
                            ResponseWriter.encode(allocator, 1, (short) 1, fetchResponse(tooLong), (short) 12, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("past the end of the file");
            assertThat(allocator.metric().usedHeapMemory())
                    .as("buffers released")
                    .isZero();
        }
    }

    private static byte[] encode(
            org.apache.kafka.common.protocol.ApiMessage message,
            short version,
            short headerVersion,
            int correlationId,
            boolean zeroCopy) {
        ResponseWriter.EncodedResponse encoded = ResponseWriter.encode(
                UnpooledByteBufAllocator.DEFAULT, correlationId, headerVersion, message, version, zeroCopy);
        io.netty.channel.embedded.EmbeddedChannel sink = new io.netty.channel.embedded.EmbeddedChannel();
        encoded.parts().forEach(sink::writeOutbound);
        byte[] bytes = KafkaWire.drainOutbound(sink);
        sink.finishAndReleaseAll();
        assertThat(bytes).hasSize(encoded.sizeInBytes());
        return bytes;
    }

    private static byte[] frameByKafkaClients(
            org.apache.kafka.common.protocol.ApiMessage message,
            short version,
            short headerVersion,
            int correlationId) {
        ByteBuffer header =
                MessageUtil.toByteBuffer(new ResponseHeaderData().setCorrelationId(correlationId), headerVersion);
        ByteBuffer body = MessageUtil.toByteBuffer(message, version);
        ByteBuffer frame = ByteBuffer.allocate(4 + header.remaining() + body.remaining());
        frame.putInt(header.remaining() + body.remaining()).put(header).put(body);
        return frame.array();
    }
}
