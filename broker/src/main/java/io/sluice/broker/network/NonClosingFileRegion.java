package io.sluice.broker.network;

import io.netty.channel.DefaultFileRegion;

/**
 * A {@link DefaultFileRegion} over a segment's shared {@link java.nio.channels.FileChannel} whose release does not
 * close the channel: the log segment owns the channel and many in-flight responses read it at once. With the epoll
 * and NIO transports the region is written with {@code sendfile}/{@code transferTo}.
 *
 * <p>Concurrency: as {@link DefaultFileRegion}; written by one channel's event loop.
 */
final class NonClosingFileRegion extends DefaultFileRegion {

    NonClosingFileRegion(FileRecordsSlice slice) {
        super(slice.channel(), slice.position(), slice.length());
    }

    /** Releases nothing: the segment's channel stays open for other readers. */
    @Override
    protected void deallocate() {}
}
