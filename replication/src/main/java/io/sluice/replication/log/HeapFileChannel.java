package io.sluice.replication.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A read-only {@link FileChannel} over bytes on the heap, so records read from the remote tier travel as a
 * {@link FileSlice} like local ones, without a temporary file to clean up. It has no file descriptor: a slice over it
 * must be sent as heap records ({@link FileSlice#isOnHeap()}), never with {@code sendfile}.
 *
 * <p>Thread-safety: the content never changes; positional reads and transfers may run on any thread (the channel's
 * own position is not used by them).
 */
public final class HeapFileChannel extends FileChannel {
    private final ByteBuffer content;
    private long position;

    public HeapFileChannel(ByteBuffer content) {
        this.content = content.asReadOnlyBuffer();
    }

    @Override
    public synchronized int read(ByteBuffer dst) {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized long read(ByteBuffer[] dsts, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            int n = read(dsts[i]);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total == 0 && position >= content.limit() ? -1 : total;
    }

    @Override
    public int read(ByteBuffer dst, long at) {
        if (at >= content.limit()) {
            return -1;
        }
        ByteBuffer src = content.duplicate();
        src.position((int) at);
        int n = Math.min(dst.remaining(), src.remaining());
        src.limit((int) at + n);
        dst.put(src);
        return n;
    }

    @Override
    public long transferTo(long at, long count, WritableByteChannel target) throws IOException {
        if (at >= content.limit()) {
            return 0;
        }
        ByteBuffer src = content.duplicate();
        src.position((int) at);
        src.limit((int) Math.min(content.limit(), at + count));
        return target.write(src);
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new NonWritableChannelException();
    }

    @Override
    public int write(ByteBuffer src, long at) {
        throw new NonWritableChannelException();
    }

    @Override
    public synchronized long position() {
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) {
        this.position = newPosition;
        return this;
    }

    @Override
    public long size() {
        return content.limit();
    }

    @Override
    public FileChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public void force(boolean metaData) {}

    @Override
    public long transferFrom(ReadableByteChannel src, long at, long count) {
        throw new NonWritableChannelException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long at, long size) {
        throw new UnsupportedOperationException("heap channel");
    }

    @Override
    public FileLock lock(long at, long size, boolean shared) {
        throw new UnsupportedOperationException("heap channel");
    }

    @Override
    public FileLock tryLock(long at, long size, boolean shared) {
        throw new UnsupportedOperationException("heap channel");
    }

    @Override
    protected void implCloseChannel() {}
}
