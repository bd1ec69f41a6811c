/** The broker's ephemeral registration in {@code /brokers/ids/N} and its broker epoch; depends on metadata (ZkStore) and Curator. */
package io.sluice.broker.registration;
