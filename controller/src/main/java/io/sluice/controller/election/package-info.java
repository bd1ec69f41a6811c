/** Controller election by one ZooKeeper multi on {@code /controller} and {@code /controller_epoch}; depends on metadata's ZkStore only. */
package io.sluice.controller.election;
