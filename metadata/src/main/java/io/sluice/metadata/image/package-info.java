/**
 * The immutable {@link io.sluice.metadata.image.ClusterImage} snapshot; depends on {@code io.sluice.metadata.model}
 * only.
 */
package io.sluice.metadata.image;
