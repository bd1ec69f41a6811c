/** Seeded, repeatable replication simulation: real ReplicaManagers over an in-memory network and controller model; test-only, depends on replication.* and kafka-clients. */
package io.sluice.replication.sim;
