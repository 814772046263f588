package dev.sinter.framework.testing;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Records every op SameDiff executes on a graph and on its gradient function: op name and input shapes. */
public final class OpRecorder extends BaseListener {
    /** One executed op. */
    public record Executed(String name, List<long[]> inputShapes) {
    }

    private final List<Executed> executed = new ArrayList<>();

    private OpRecorder() {
    }

    /** Adds a recorder to {@code sd}'s listeners (SameDiff copies them to the gradient function it creates). */
    public static OpRecorder attach(SameDiff sd) {
        OpRecorder r = new OpRecorder();
        sd.addListeners(r);
        return r;
    }

    /** The executed ops in order. */
    public List<Executed> executed() {
        return executed;
    }

    /** The executed ops' names in order. */
    public List<String> names() {
        return executed.stream().map(Executed::name).toList();
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
        List<long[]> shapes = ctx == null ? List.of()
                : ctx.getInputArrays().stream().map(INDArray::shape).toList();
        executed.add(new Executed(op.getOp().opName(), shapes));
    }
}
