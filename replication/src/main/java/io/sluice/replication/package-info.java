/** Sluice replication module. */
package io.sluice.replication;
