package io.sluice.broker.api.handlers;

import io.sluice.replication.log.BatchFraming;
import java.util.Iterator;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The cheap, header-only checks a produce request's records get before they reach the log, as Kafka's
 * {@code ProduceRequest.validateRecords}: only batch headers are read (no record is decoded, nothing is copied); CRCs
 * and sizes are the log's job.
 *
 * <ul>
 *   <li>records missing or not in memory → {@code INVALID_RECORD};
 *   <li>no batch, more than one batch, a batch of magic &lt; 2 or a control batch → {@code INVALID_RECORD};
 *   <li>zstd before Produce v7 → {@code UNSUPPORTED_COMPRESSION_TYPE};
 *   <li>bytes that are not whole batches: a length field smaller than a batch header, larger than the bytes present
 *       (also one near 2^31, whose 32-bit sum with the 12-byte prefix would wrap), an invalid magic, or trailing bytes
 *       ({@link BatchFraming}) → {@code CORRUPT_MESSAGE}.
 * </ul>
 *
 * The framing is checked before kafka-clients iterates the batches, so no length field can make that iteration throw.
 *
 * <p>Concurrency: stateless.
 */
final class ProduceRecordsValidator {
    private static final short ZSTD_MIN_VERSION = 7;

    private ProduceRecordsValidator() {}

    /** The outcome of the checks: {@code NONE} or the partition's error, with a message for the response. */
    record Verdict(Errors error, String message) {
        static final Verdict OK = new Verdict(Errors.NONE, null);
    }

    static Verdict validate(short version, BaseRecords records) {
        if (!(records instanceof MemoryRecords memory)) {
            return new Verdict(Errors.INVALID_RECORD, "the partition carries no record batch");
        }
        try {
            BatchFraming.check(memory.buffer());
            Iterator<MutableRecordBatch> batches = memory.batches().iterator();
            if (!batches.hasNext()) {
                return new Verdict(Errors.INVALID_RECORD, "the partition carries no record batch");
            }
            RecordBatch batch = batches.next();
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                return new Verdict(
                        Errors.INVALID_RECORD,
                        "only record batches of magic 2 are accepted, got magic " + batch.magic());
            }
            if (batch.isControlBatch()) {
                return new Verdict(Errors.INVALID_RECORD, "clients may not produce control batches");
            }
            if (version < ZSTD_MIN_VERSION && batch.compressionType() == CompressionType.ZSTD) {
                return new Verdict(
                        Errors.UNSUPPORTED_COMPRESSION_TYPE, "zstd needs Produce v7 or later, got v" + version);
            }
            if (batches.hasNext()) {
                return new Verdict(Errors.INVALID_RECORD, "a partition must carry exactly one record batch");
            }
            return Verdict.OK;
        } catch (CorruptRecordException e) {
            return new Verdict(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
    }

    /** Whether any partition's first batch is transactional (a header flag). */
    static boolean anyTransactional(ProduceRequestData request) {
        for (TopicProduceData topic : request.topicData()) {
            for (PartitionProduceData partition : topic.partitionData()) {
                if (partition.records() instanceof MemoryRecords memory) {
                    try {
                        BatchFraming.check(memory.buffer());
                        Iterator<MutableRecordBatch> batches = memory.batches().iterator();
                        if (batches.hasNext() && batches.next().isTransactional()) {
                            return true;
                        }
                    } catch (CorruptRecordException e) {
                        // reported as CORRUPT_MESSAGE by validate()
                    }
                }
            }
        }
        return false;
    }
}
