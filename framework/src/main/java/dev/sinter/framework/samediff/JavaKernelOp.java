package dev.sinter.framework.samediff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.util.HashUtil;

/**
 * A graph op whose kernel is Java code (a fused loop over the arrays, {@link dev.sinter.framework.kernels}) rather than
 * a libnd4j op: SameDiff builds, differentiates and schedules it like any custom op, and {@link KernelExecutioner}
 * runs {@link #compute} where ND4J would call native code. Each output has the type of one input
 * ({@link #shapeSource}) and by default its shape ({@link #outputShape}).
 *
 * <p>Subclasses need a public no-argument constructor and a unique {@link #opName()}, and are listed in
 * {@link SameDiffRuntime}, which registers them under {@link #opHash()} so that the gradient function's copy of the
 * graph re-creates them. Build graphs with them only when {@link KernelExecutioner#active()}.
 */
public abstract class JavaKernelOp extends DynamicCustomOp {

    /** Required by SameDiff's reflective op registry. */
    protected JavaKernelOp() {
        super();
    }

    protected JavaKernelOp(SameDiff sd, SDVariable... inputs) {
        super(null, sd, inputs);
    }

    /** Writes the outputs from the inputs; both lists in the op's order, outputs allocated as shapes say. */
    protected abstract void compute(List<INDArray> inputs, List<INDArray> outputs);

    /** How many outputs the op has. */
    protected abstract int outputCount();

    /** The input whose type, and by default shape, output {@code i} has (input 0 unless a subclass says otherwise). */
    protected int shapeSource(int output) {
        return 0;
    }

    /** Output {@code i}'s shape for these inputs: that of input {@link #shapeSource}{@code (i)} unless overridden. */
    protected long[] outputShape(int output, List<INDArray> inputs) {
        return inputs.get(shapeSource(output)).shape();
    }

    /** No gradient unless a subclass defines one (the gradient ops themselves have none: no second derivatives). */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        throw new UnsupportedOperationException(opName() + " has no gradient");
    }

    /** A hash of the op's name, under which no libnd4j op is registered. */
    @Override
    public long opHash() {
        return HashUtil.getLongHash("sinter.java-kernel." + opName());
    }

    /** No properties: libnd4j's op descriptors, from which the stock method reads them, do not know this op. */
    @Override
    public Map<String, Object> propertiesForFunction() {
        return Map.of();
    }

    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
        // no properties to set
    }

    @Override
    public int getNumOutputs() {
        return outputCount();
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        List<DataType> types = new ArrayList<>();
        for (int i = 0; i < outputCount(); i++) {
            types.add(dataTypes.get(shapeSource(i)));
        }
        return types;
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape() {
        return shapes(inputArguments());
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
        return shapes(oc.getInputArrays());
    }

    private List<LongShapeDescriptor> shapes(List<INDArray> inputs) {
        List<LongShapeDescriptor> shapes = new ArrayList<>();
        for (int i = 0; i < outputCount(); i++) {
            shapes.add(LongShapeDescriptor.fromShape(outputShape(i, inputs), inputs.get(shapeSource(i)).dataType()));
        }
        return shapes;
    }

    /** Runs the kernel on the arrays SameDiff set (outputs it did not set are allocated). */
    final INDArray[] run(List<INDArray> inputs, List<INDArray> outputs) {
        List<INDArray> outs = new ArrayList<>(outputs == null ? List.of() : outputs);
        while (outs.size() < outputCount()) {
            int i = outs.size();
            outs.add(Nd4j.create(inputs.get(shapeSource(i)).dataType(), outputShape(i, inputs)));
        }
        compute(inputs, outs);
        return outs.toArray(INDArray[]::new);
    }
}
