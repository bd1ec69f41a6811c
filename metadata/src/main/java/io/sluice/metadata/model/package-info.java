/** Immutable value records of the cluster model (brokers, endpoints, assignments, leader and ISR); depends on nothing. */
package io.sluice.metadata.model;
