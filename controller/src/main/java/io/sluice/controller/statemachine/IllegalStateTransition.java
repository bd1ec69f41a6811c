package io.sluice.controller.statemachine;

import java.util.Set;
import java.util.TreeSet;

/**
 * A transition to a state that does not list the current state among its valid previous states.
 *
 * @param from the current state
 * @param to the requested target state
 * @param validPrevious the states {@code to} may be entered from
 */
public record IllegalStateTransition(Enum<?> from, Enum<?> to, Set<? extends Enum<?>> validPrevious)
        implements TransitionCheck {

    public IllegalStateTransition {
        validPrevious = Set.copyOf(validPrevious);
    }

    @Override
    public boolean isValid() {
        return false;
    }

    /** A log-ready description, e.g. "Illegal transition Offline -> New; ...". */
    public String describe() {
        return "Illegal transition " + from + " -> " + to + "; " + to + " may only be entered from "
                + new TreeSet<>(validPrevious.stream().map(Object::toString).toList());
    }
}
