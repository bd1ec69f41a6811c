package io.sluice.controller.election;

/**
 * What winning an election gives: the controller epoch and the zkVersion of {@code /controller_epoch} it wrote, the
 * fencing token every later write checks.
 */
public record ControllerLease(int brokerId, int epoch, int epochZkVersion) {}
