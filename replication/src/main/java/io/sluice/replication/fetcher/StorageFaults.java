package io.sluice.replication.fetcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * Recognises failures of a partition's storage among what an append or truncation threw: {@link
 * KafkaStorageException}, an {@link IOException} anywhere in the cause chain, and {@link InternalError}, which the JVM
 * throws when an access to a memory-mapped file faults (for example an index truncated under its mapping: "a fault
 * occurred in a recent unsafe memory access operation").
 *
 * <p>Stateless.
 */
final class StorageFaults {
    /** How deep the cause chain is searched (a cycle in it must not loop). */
    private static final int MAX_CAUSES = 16;

    private StorageFaults() {}

    static boolean isStorageFault(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < MAX_CAUSES; depth++, c = c.getCause()) {
            if (c instanceof KafkaStorageException
                    || c instanceof IOException
                    || c instanceof UncheckedIOException
                    || c instanceof InternalError) {
                return true;
            }
        }
        return false;
    }
}
