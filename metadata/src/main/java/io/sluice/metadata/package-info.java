/** Sluice metadata module: configuration, znode codecs and the immutable cluster model; depends on no other module. */
package io.sluice.metadata;
