/** The group APIs' handlers: version-specific request and response layout over the group coordinator. */
package io.sluice.broker.group.api;
