/** Typed configuration definitions, broker and topic configs; depends only on {@code io.sluice.metadata.model}. */
package io.sluice.metadata.config;
