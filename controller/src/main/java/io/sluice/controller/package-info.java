/** Sluice controller module. */
package io.sluice.controller;
