package io.sluice.replication.epoch;

/**
 * One leader epoch and the offset of the first record written in it.
 *
 * @param epoch the leader epoch, &gt;= 0
 * @param startOffset the first offset of the epoch, &gt;= 0
 */
public record EpochEntry(int epoch, long startOffset) {
    public EpochEntry {
        if (epoch < 0 || startOffset < 0) {
            throw new IllegalArgumentException(
                    "Epoch entry needs epoch >= 0 and start offset >= 0, got (" + epoch + ", " + startOffset + ")");
        }
    }

    @Override
    public String toString() {
        return "(epoch=" + epoch + ", startOffset=" + startOffset + ")";
    }
}
