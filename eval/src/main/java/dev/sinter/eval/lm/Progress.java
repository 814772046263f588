package dev.sinter.eval.lm;

/** Receives scoring progress: first the total amount of work, then increments (units chosen by the caller). */
@FunctionalInterface
public interface Progress {
    /** Ignores all progress. */
    Progress NONE = n -> {
    };

    /** Called once before the work starts with the total number of units. */
    default void total(long units) {
    }

    /** {@code units} more units are done. */
    void advance(long units);
}
