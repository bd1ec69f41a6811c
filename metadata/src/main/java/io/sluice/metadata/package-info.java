/**
 * Sluice metadata module: configuration, znode codecs and the immutable cluster model. The module depends on no other
 * Sluice module; every other module depends on it.
 */
package io.sluice.metadata;
