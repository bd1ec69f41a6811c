package io.sluice.replication.log;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage engine benchmark, run by {@code deploy/bench/log-bench.sh}.
 *
 * <ol>
 *   <li>Append: 1 KiB records in 16 KiB and 64 KiB batches through {@link UnifiedLog#appendAsLeader} (validation,
 *       CRC check, offset assignment, indexing) against a plain {@link FileChannel#write} loop of the same bytes;
 *       both run alternately, best of the rounds, page cache only (no fsync, as the broker runs by default).
 *   <li>Read-back: the appended log sent with {@code transferTo} ({@code sendfile}) over a loopback socket.
 *   <li>Offset lookup: {@link UnifiedLog#read} of one batch at random offsets with 10^3 .. 10^7 tiny records in
 *       the log (skip-list floor, index binary search, short scan).
 * </ol>
 *
 * System properties: {@code bench.dir} (scratch directory), {@code bench.bytes} (bytes per append run, default
 * 1 GiB), {@code bench.rounds} (default 3), {@code bench.maxRecords} (default 10^7), {@code bench.lookups}
 * (lookups per size, default 200000).
 */
public final class LogBench {

    private static final Logger LOG = LoggerFactory.getLogger(LogBench.class);
    private static final int RECORD_BYTES = 1024;

    private LogBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("bench.dir", "target/log-bench"));
        long bytesPerRun = Long.getLong("bench.bytes", 1L << 30);
        int rounds = Integer.getInteger("bench.rounds", 3);
        long maxRecords = Long.getLong("bench.maxRecords", 10_000_000L);
        int lookups = Integer.getInteger("bench.lookups", 200_000);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        try {
            for (int batchBytes : new int[] {16 * 1024, 64 * 1024}) {
                appendBenchmark(dir, scheduler, batchBytes, bytesPerRun, rounds);
            }
            lookupBenchmark(dir, scheduler, maxRecords, lookups);
        } finally {
            scheduler.shutdownNow();
            deleteRecursively(dir);
        }
    }

    private static MemoryRecords template(int batchBytes, SplittableRandom random) {
        int records = batchBytes / RECORD_BYTES;
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(batchBytes + 4096),
                RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE,
                TimestampType.CREATE_TIME,
                0L);
        long now = Clock.systemUTC().millis();
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[RECORD_BYTES];
            random.nextBytes(value);
            builder.append(now, null, value);
        }
        return builder.build();
    }

    private static void appendBenchmark(
            Path dir, ScheduledThreadPoolExecutor scheduler, int batchBytes, long bytesPerRun, int rounds)
            throws IOException {
        MemoryRecords template = template(batchBytes, new SplittableRandom(batchBytes));
        int size = template.sizeInBytes();
        long batches = bytesPerRun / size;
        double bestLog = 0;
        double bestPlain = 0;
        double bestSend = 0;
        for (int round = 0; round < rounds; round++) {
            Path plainFile = dir.resolve("plain-" + round + ".bin");
            long start = System.nanoTime();
            try (FileChannel channel =
                    FileChannel.open(plainFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (long i = 0; i < batches; i++) {
                    ByteBuffer buffer = template.buffer();
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            }
            double plainSeconds = (System.nanoTime() - start) / 1e9;
            Files.delete(plainFile);

            Path logDir = dir.resolve("append-" + round + "-0");
            UnifiedLog log = UnifiedLog.load(
                    logDir.toFile(),
                    new TopicPartition("append-" + round, 0),
                    LogConfig.defaults().withRetentionMs(-1),
                    0,
                    0,
                    true,
                    Clock.systemUTC(),
                    scheduler);
            start = System.nanoTime();
            for (long i = 0; i < batches; i++) {
                log.appendAsLeader(MemoryRecords.readableRecords(template.buffer()), 0);
            }
            double logSeconds = (System.nanoTime() - start) / 1e9;
            double sendSeconds = sendAll(log);
            log.close();
            deleteRecursively(logDir);

            double mb = batches * (double) size / (1 << 20);
            bestPlain = Math.max(bestPlain, mb / plainSeconds);
            bestLog = Math.max(bestLog, mb / logSeconds);
            bestSend = Math.max(bestSend, mb / sendSeconds);
            LOG.info(
                    "round {} batch {} B: log {} MB/s, plain write {} MB/s, transferTo {} MB/s",
                    round,
                    size,
                    fmt(mb / logSeconds),
                    fmt(mb / plainSeconds),
                    fmt(mb / sendSeconds));
        }
        double opsLog = bestLog * (1 << 20) / size;
        double opsPlain = bestPlain * (1 << 20) / size;
        LOG.info(
                "APPEND batch={} KiB ({} B, {} records of 1 KiB): log {} batches/s {} MB/s | plain FileChannel.write"
                        + " {} batches/s {} MB/s | ratio {} | transferTo read-back {} MB/s",
                batchBytes / 1024,
                size,
                batchBytes / RECORD_BYTES,
                fmt(opsLog),
                fmt(bestLog),
                fmt(opsPlain),
                fmt(bestPlain),
                String.format("%.3f", bestLog / bestPlain),
                fmt(bestSend));
    }

    /** Sends the whole log over a loopback socket with transferTo; returns the seconds taken. */
    private static double sendAll(UnifiedLog log) throws IOException {
        AtomicLong received = new AtomicLong();
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread drain = new Thread(
                    () -> {
                        try (SocketChannel in = server.accept()) {
                            ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
                            int n;
                            while ((n = in.read(sink)) >= 0) {
                                received.addAndGet(n);
                                sink.clear();
                            }
                        } catch (IOException e) {
                            LOG.warn("drain failed", e);
                        }
                    },
                    "bench-drain");
            drain.start();
            long start;
            long sent = 0;
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
                start = System.nanoTime();
                long offset = log.logStartOffset();
                long end = log.logEndOffset();
                while (offset < end) {
                    LogReadInfo info = log.read(offset, 1 << 20, end);
                    sent += info.records().transferTo(out);
                    offset = lastOffsetOf(info.records()) + 1;
                }
            }
            try {
                drain.join(TimeUnit.MINUTES.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (received.get() != sent) {
                throw new IllegalStateException("sent " + sent + " bytes but received " + received.get());
            }
            return seconds;
        }
    }

    /** Last offset of the last batch of a slice, from its header bytes. */
    private static long lastOffsetOf(FileSlice slice) throws IOException {
        long position = slice.position();
        long end = position + slice.length();
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        long last = -1;
        while (position < end) {
            header.clear();
            while (header.hasRemaining()) {
                if (slice.channel().read(header, position + header.position()) < 0) {
                    throw new IOException("short read at " + position);
                }
            }
            BatchHeader parsed = BatchHeader.parse(header, 0, position);
            last = parsed.lastOffset();
            position += parsed.sizeInBytes();
        }
        return last;
    }

    private static void lookupBenchmark(Path dir, ScheduledThreadPoolExecutor scheduler, long maxRecords, int lookups)
            throws IOException {
        int perBatch = 10;
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        long now = Clock.systemUTC().millis();
        for (int i = 0; i < perBatch; i++) {
            builder.append(now, null, new byte[] {(byte) i});
        }
        MemoryRecords tiny = builder.build();
        Path logDir = dir.resolve("lookup-0");
        // 16 MiB segments so that the largest sizes also exercise the segment skip list
        UnifiedLog log = UnifiedLog.load(
                logDir.toFile(),
                new TopicPartition("lookup", 0),
                LogConfig.defaults().withRetentionMs(-1).withSegmentBytes(16 << 20),
                0,
                0,
                true,
                Clock.systemUTC(),
                scheduler);
        SplittableRandom random = new SplittableRandom(1);
        try {
            for (long target = 1_000; target <= maxRecords; target *= 10) {
                while (log.logEndOffset() < target) {
                    log.appendAsLeader(MemoryRecords.readableRecords(tiny.buffer()), 0);
                }
                long end = log.logEndOffset();
                long sink = 0;
                double nanosPerOp = 0;
                for (int pass = 0; pass < 2; pass++) {
                    long start = System.nanoTime();
                    for (int i = 0; i < lookups; i++) {
                        LogReadInfo info = log.read(random.nextLong(end), 1, end);
                        sink += info.records().position();
                    }
                    nanosPerOp = (System.nanoTime() - start) / (double) lookups;
                }
                LOG.info(
                        "LOOKUP records={} segments={} log bytes={}: {} ns/op (checksum {})",
                        end,
                        log.numberOfSegments(),
                        log.size(),
                        String.format("%.0f", nanosPerOp),
                        sink % 1000);
            }
        } finally {
            log.close();
        }
    }

    private static String fmt(double value) {
        return String.format("%.1f", value);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
