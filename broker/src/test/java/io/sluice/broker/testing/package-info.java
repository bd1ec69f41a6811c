/** Test fixtures shared by the broker's tests: embedded ZooKeeper and helpers. */
package io.sluice.broker.testing;
