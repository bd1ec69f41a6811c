/** The immutable {@link io.sluice.metadata.image.ClusterImage} snapshot; depends only on {@code io.sluice.metadata.model}. */
package io.sluice.metadata.image;
