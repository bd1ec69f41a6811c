/** Dynamic topic and broker-default configuration kept from ZooKeeper, and its description and CAS writes for the config admin APIs; depends on the metadata module only. */
package io.sluice.broker.config;
