/**
 * Fault-injecting TCP proxies on 127.0.0.1 (drop one or both directions, add latency) and the per-link proxy network
 * of a cluster the harness starts. Depends on no Sluice package (the JDK and SLF4J only).
 */
package io.sluice.chaos.net;
