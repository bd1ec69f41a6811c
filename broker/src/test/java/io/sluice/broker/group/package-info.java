/** Tests of the group coordinator, over an in-memory store and a manual clock. */
package io.sluice.broker.group;
