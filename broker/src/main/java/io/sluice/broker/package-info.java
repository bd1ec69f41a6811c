/** Sluice broker module. */
package io.sluice.broker;
