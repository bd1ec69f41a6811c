package io.sluice.broker.metadata;

/** Told after each UpdateMetadata has been applied to the {@link MetadataCache}. */
@FunctionalInterface
public interface MetadataListener {

    /**
     * Called on the thread that applied the update, in update order, while further updates wait: must be quick and
     * must not call back into {@link MetadataCache#update}.
     */
    void onMetadataUpdate(MetadataSnapshot previous, MetadataSnapshot current);
}
