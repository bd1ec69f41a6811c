/**
 * The cluster under test as processes: bin/sluice-cluster's directory (ports, pids, configs), signals by recorded pid,
 * restarts, and the start of a cluster with its links behind proxies. Depends on {@code io.sluice.chaos.net}.
 */
package io.sluice.chaos.cluster;
