/**
 * Immutable value records of the cluster model (brokers, endpoints, assignments, leader and ISR); depends on no Sluice
 * package.
 */
package io.sluice.metadata.model;
