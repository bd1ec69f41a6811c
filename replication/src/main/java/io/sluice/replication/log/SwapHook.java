package io.sluice.replication.log;

import java.io.IOException;

/**
 * Called by {@link UnifiedLog#replaceSegments} after each {@link SwapStep}, under the log's lock; tests inject a
 * failure there to simulate a crash between two steps. An exception thrown by the hook ends the swap as an I/O
 * failure at that point would.
 */
@FunctionalInterface
public interface SwapHook {
    /** A hook that does nothing. */
    SwapHook NONE = step -> {};

    void afterStep(SwapStep step) throws IOException;
}
