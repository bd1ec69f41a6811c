/**
 * Memory-mapped sparse offset and time indexes of one log segment; depends on no Sluice package (the JDK only).
 */
package io.sluice.replication.log.index;
