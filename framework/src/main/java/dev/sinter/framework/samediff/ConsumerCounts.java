package dev.sinter.framework.samediff;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;

/**
 * For one request (a set of variables to compute), how many ops that the request executes read each variable.
 *
 * <p>SameDiff executes exactly the ops the requested variables depend on, through op inputs and control
 * dependencies; the same walk here gives that set. A variable whose count reaches zero during a call will not be read
 * again in that call. Requested variables are never counted down to zero ({@link #REQUESTED}).
 */
final class ConsumerCounts {
    /** The count of a requested variable: it must outlive the call. */
    static final int REQUESTED = Integer.MAX_VALUE;

    private ConsumerCounts() {
    }

    /** Variable name → number of executed ops that read it, for the ops {@code requested} depends on. */
    static Map<String, Integer> of(SameDiff graph, Collection<String> requested) {
        Set<String> needed = neededOps(graph, requested);
        Map<String, Integer> counts = new HashMap<>();
        for (String opName : needed) {
            for (String input : new HashSet<>(graph.getOps().get(opName).getInputsToOp() == null ? List.of()
                    : graph.getOps().get(opName).getInputsToOp())) {
                counts.merge(input, 1, Integer::sum);
            }
        }
        for (String r : requested) {
            counts.put(r, REQUESTED);
        }
        return counts;
    }

    /** The ops that computing {@code requested} executes: everything they depend on, back to the graph's inputs. */
    static Set<String> neededOps(SameDiff graph, Collection<String> requested) {
        Set<String> ops = new HashSet<>();
        Set<String> seenVars = new HashSet<>();
        ArrayDeque<String> vars = new ArrayDeque<>(requested);
        while (!vars.isEmpty()) {
            String name = vars.poll();
            if (!seenVars.add(name)) {
                continue;
            }
            Variable v = graph.getVariables().get(name);
            if (v == null) {
                continue;
            }
            addAll(vars, v.getControlDeps());
            String producer = v.getOutputOfOp();
            if (producer != null && ops.add(producer)) {
                SameDiffOp op = graph.getOps().get(producer);
                addAll(vars, op.getInputsToOp());
                addAll(vars, op.getVarControlDeps());
                for (String dep : op.getControlDeps() == null ? List.<String>of() : op.getControlDeps()) {
                    SameDiffOp d = graph.getOps().get(dep);
                    if (d != null) {
                        addAll(vars, d.getOutputsOfOp()); // an op dependency: reach it through its outputs
                    }
                }
            }
        }
        return ops;
    }

    private static void addAll(ArrayDeque<String> to, List<String> names) {
        if (names != null) {
            to.addAll(names);
        }
    }
}
