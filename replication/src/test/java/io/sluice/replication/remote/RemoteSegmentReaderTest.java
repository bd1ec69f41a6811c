package io.sluice.replication.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RemoteSegmentReaderTest {

    /** Three batches of three records each, at offsets 100-108. */
    private static ByteBuffer segment() {
        ByteBuffer out = ByteBuffer.allocate(4096);
        for (int b = 0; b < 3; b++) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(
                    ByteBuffer.allocate(512), Compression.NONE, TimestampType.CREATE_TIME, 100 + 3L * b);
            for (int r = 0; r < 3; r++) {
                builder.append(1000L, null, ("v" + b + r).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            out.put(builder.build().buffer());
        }
        out.flip();
        return out;
    }

    private static List<Long> baseOffsets(ByteBuffer records) {
        List<Long> out = new ArrayList<>();
        for (RecordBatch batch : MemoryRecords.readableRecords(records).batches()) {
            out.add(batch.baseOffset());
        }
        return out;
    }

    @Test
    void readsWholeBatchesFromTheOneHoldingTheOffsetWithinTheLimit() throws Exception {
        byte[] bytes = new byte[segment().remaining()];
        segment().get(bytes);
        assertThat(baseOffsets(RemoteSegmentReader.readBatches(new ByteArrayInputStream(bytes), 104, 1 << 20)))
                .containsExactly(103L, 106L);
        // at least one batch even when it is larger than the limit
        assertThat(baseOffsets(RemoteSegmentReader.readBatches(new ByteArrayInputStream(bytes), 100, 1)))
                .containsExactly(100L);
        assertThat(RemoteSegmentReader.readBatches(new ByteArrayInputStream(bytes), 200, 1 << 20)
                        .remaining())
                .isZero();
    }

    @Test
    void findsThePositionOfTheLastIndexedBatchAtOrBelowTheOffset() {
        ByteBuffer index = ByteBuffer.allocate(32);
        index.putInt(0).putInt(0).putInt(3).putInt(80).putInt(6).putInt(160); // then zero-filled
        index.flip().limit(32);
        assertThat(RemoteSegmentReader.positionIn(index.duplicate(), 100, 100)).isZero();
        assertThat(RemoteSegmentReader.positionIn(index.duplicate(), 100, 105)).isEqualTo(80);
        assertThat(RemoteSegmentReader.positionIn(index.duplicate(), 100, 500)).isEqualTo(160);
    }
}
