/** Test helpers shared by the replication module's tests: a manual scheduler driven by the test's clock. */
package io.sluice.replication.testkit;
