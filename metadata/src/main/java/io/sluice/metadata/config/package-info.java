/**
 * Typed configuration definitions, broker and topic configs; depends on {@code io.sluice.metadata.model} only.
 */
package io.sluice.metadata.config;
