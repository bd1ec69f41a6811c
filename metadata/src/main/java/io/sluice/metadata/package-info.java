/** Sluice metadata module. */
package io.sluice.metadata;
