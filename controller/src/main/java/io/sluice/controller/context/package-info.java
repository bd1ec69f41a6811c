/** The controller's in-memory view of the cluster, owned by the event thread; depends on metadata model and the state enums. */
package io.sluice.controller.context;
