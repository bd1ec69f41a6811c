/** Memory-mapped sparse offset and time indexes of one log segment; depends on the JDK only. */
package io.sluice.replication.log.index;
