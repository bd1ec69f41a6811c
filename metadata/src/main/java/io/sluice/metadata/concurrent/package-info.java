/**
 * Helpers every module uses for threads that must not die: {@link io.sluice.metadata.concurrent.SurvivingTask} and
 * {@link io.sluice.metadata.concurrent.GuardedScheduledExecutor} (scheduled work that logs its failures and keeps its
 * period), {@link io.sluice.metadata.concurrent.Threads} (threads whose death is logged through SLF4J) and {@link
 * io.sluice.metadata.concurrent.ThreadStatus} (what a component reports about its long-lived threads); depends on
 * nothing but the JDK and SLF4J.
 *
 * <h2>Failure policy of must-not-die loops</h2>
 *
 * <p>A long-lived loop (replica fetcher, purgatory reaper, log cleaner, controller event thread, scheduled task)
 * catches every {@link Throwable} around each unit of its work (one partition's answer, one operation's expiry, one
 * log's cleaning, one event, one run of a task), logs it at ERROR naming the unit, and goes on with the next unit.
 * Whether the unit is blamed follows {@link io.sluice.metadata.concurrent.Threads#isResourceExhaustion}: an {@link
 * OutOfMemoryError} says nothing about the unit that happened to allocate, so the unit is retried in the normal course
 * of the loop; anything else, {@link InternalError} from a fault in a memory-mapped file and {@link StackOverflowError}
 * included, is treated as that unit's failure. Run production JVMs with {@code -XX:+ExitOnOutOfMemoryError} so that a
 * heap exhaustion restarts the process instead of leaving it limping.
 */
package io.sluice.metadata.concurrent;
