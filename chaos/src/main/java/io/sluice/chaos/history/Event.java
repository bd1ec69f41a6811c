package io.sluice.chaos.history;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One entry of a run's history: what the workload, the samplers and the fault schedule did and saw, in the order
 * they recorded it. A history is written as JSON lines ({@link HistoryWriter}), one event per line with a
 * {@code "type"} field naming the event kind, and read back by the checker and the report ({@link HistoryReader}).
 *
 * <p>{@link #t()} is milliseconds since the run started on a monotonic clock; events of one process are recorded in
 * the order they happened; events of different processes may interleave out of {@code t} order by a few
 * milliseconds. Partitions are named {@code topic-partition} ({@link Partitions#name}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RunStarted.class, name = "run"),
    @JsonSubTypes.Type(value = Send.class, name = "send"),
    @JsonSubTypes.Type(value = ReadBatch.class, name = "read"),
    @JsonSubTypes.Type(value = Seek.class, name = "seek"),
    @JsonSubTypes.Type(value = Commit.class, name = "commit"),
    @JsonSubTypes.Type(value = Assignment.class, name = "assignment"),
    @JsonSubTypes.Type(value = Sample.class, name = "sample"),
    @JsonSubTypes.Type(value = Fault.class, name = "fault"),
    @JsonSubTypes.Type(value = Phase.class, name = "phase"),
    @JsonSubTypes.Type(value = Note.class, name = "note"),
})
public sealed interface Event
        permits RunStarted, Send, ReadBatch, Seek, Commit, Assignment, Sample, Fault, Phase, Note {
    /** Milliseconds since the start of the run (monotonic). */
    long t();
}
