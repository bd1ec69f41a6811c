/**
 * The group APIs' handlers: version-specific request and response layout over the group coordinator; depends on {@code
 * io.sluice.broker.api} and {@code io.sluice.broker.group}.
 */
package io.sluice.broker.group.api;
