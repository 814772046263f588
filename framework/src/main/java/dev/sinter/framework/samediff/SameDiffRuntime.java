package dev.sinter.framework.samediff;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.imports.converters.DifferentialFunctionClassHolder;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One-time process setup for SameDiff 1.0.0-M2.1: repairs the gather gradient, splits the matmul gradient so frozen
 * weights are never differentiated, composes the (log-)softmax and sigmoid gradients from fast ops and keeps ND4J
 * quiet.
 *
 * <p>Call {@link #init()} before building or loading any graph. It is idempotent and thread-safe.
 */
public final class SameDiffRuntime {
    /** Stock op class → its replacement with a better gradient. */
    private static final Map<Class<?>, Class<? extends DifferentialFunction>> REPLACEMENTS = Map.of(
            Gather.class, GatherWithCorrectGradient.class,
            Mmul.class, MmulWithSplitGradient.class,
            SoftMax.class, SoftmaxWithComposedGradient.class,
            LogSoftMax.class, LogSoftmaxWithComposedGradient.class);
    /** Custom ops of ours with no stock Java class: registered under their native op's hash. */
    private static final List<Class<? extends DynamicCustomOp>> ADDITIONS = List.of(SigmoidWithComposedGradient.class);
    /** Ops with Java kernels ({@link KernelExecutioner}): registered under their own hash. */
    private static final List<Class<? extends JavaKernelOp>> JAVA_KERNELS =
            List.of(SwiGluOp.class, SwiGluGradientOp.class, RmsNormOp.class, RmsNormGradientOp.class,
                    BiasedSoftmaxOp.class, SoftmaxGradientOp.class,
                    CrossEntropyOp.class, CrossEntropyGradientOp.class,
                    GroupedLinearOp.class, GroupedLinearInputGradientOp.class, GroupedLinearWeightGradientOp.class,
                    GatherGradientOp.class, ScaledGatherOp.class, ScaledGatherGradientOp.class,
                    RopeOp.class, RopeGradientOp.class);

    private static boolean initialised;

    private SameDiffRuntime() {
    }

    /**
     * Patches the op registry so {@code gather} uses {@link GatherWithCorrectGradient}, {@code matmul}
     * {@link MmulWithSplitGradient}, {@code softmax} {@link SoftmaxWithComposedGradient} and {@code log_softmax}
     * {@link LogSoftmaxWithComposedGradient}, registers {@link SigmoidWithComposedGradient} and the Java-kernel ops,
     * and puts {@link KernelExecutioner} in front of ND4J's executioner on the CPU backend; initialises ND4J quietly.
     */
    public static synchronized void init() {
        if (initialised) {
            return;
        }
        quietly(() -> {
            Nd4j.create(1); // load the native backend now, with its banner silenced
            return null;
        });
        patchOpRegistry();
        initialised = true; // before install(), which asks ComputeBackend, which calls init()
        KernelExecutioner.install();
    }

    /** True when the registry now creates the replacement class for each patched op: tests assert it. */
    public static boolean opPatchesActive() {
        init();
        DifferentialFunctionClassHolder holder = DifferentialFunctionClassHolder.getInstance();
        return holder.getInstance("gather") instanceof GatherWithCorrectGradient
                && holder.getInstance("matmul") instanceof MmulWithSplitGradient
                && holder.getInstance("softmax") instanceof SoftmaxWithComposedGradient
                && holder.getInstance("log_softmax") instanceof LogSoftmaxWithComposedGradient
                && holder.customOpClassForHashAndName(nativeHash("sigmoid"), "sigmoid")
                == SigmoidWithComposedGradient.class;
    }

    /**
     * Runs {@code work} with what this thread prints to {@code System.out} discarded. SameDiff prints "Added
     * differentiated op …" through {@code System.out.println} while creating gradient functions (samediff-notes.md,
     * bug 4). Other threads print as usual meanwhile, and quiet sections of several threads run at the same time
     * (data-parallel replicas compute their gradients concurrently): {@code System.out} gets a filter, once, that
     * drops the output of threads inside a quiet section.
     */
    public static <T> T quietly(Supplier<T> work) {
        QuietFilter.install();
        QuietFilter.DEPTH.set(QuietFilter.DEPTH.get() + 1);
        try {
            return work.get();
        } finally {
            QuietFilter.DEPTH.set(QuietFilter.DEPTH.get() - 1);
        }
    }

    /**
     * {@code System.out} for {@link #quietly}: passes every call on to the stream it replaced, except from threads
     * inside a quiet section (each call is forwarded whole, so the target's own encoding applies).
     */
    private static final class QuietFilter extends PrintStream {
        static final ThreadLocal<Integer> DEPTH = ThreadLocal.withInitial(() -> 0);
        private final PrintStream target;

        private QuietFilter(PrintStream target) {
            super(OutputStream.nullOutputStream());
            this.target = target;
        }

        /** Puts a filter in front of the current {@code System.out} unless it already has one. */
        static synchronized void install() {
            if (!(System.out instanceof QuietFilter)) {
                System.setOut(new QuietFilter(System.out));
            }
        }

        /** The stream to print to: the target, or nothing inside a quiet section. */
        private PrintStream out() {
            return DEPTH.get() > 0 ? NULL : target;
        }

        private static final PrintStream NULL = new PrintStream(OutputStream.nullOutputStream());

        @Override public void write(int b) { out().write(b); }
        @Override public void write(byte[] b, int off, int len) { out().write(b, off, len); }
        @Override public void write(byte[] b) throws java.io.IOException { out().write(b); }
        @Override public void print(boolean x) { out().print(x); }
        @Override public void print(char x) { out().print(x); }
        @Override public void print(int x) { out().print(x); }
        @Override public void print(long x) { out().print(x); }
        @Override public void print(float x) { out().print(x); }
        @Override public void print(double x) { out().print(x); }
        @Override public void print(char[] x) { out().print(x); }
        @Override public void print(String x) { out().print(x); }
        @Override public void print(Object x) { out().print(x); }
        @Override public void println() { out().println(); }
        @Override public void println(boolean x) { out().println(x); }
        @Override public void println(char x) { out().println(x); }
        @Override public void println(int x) { out().println(x); }
        @Override public void println(long x) { out().println(x); }
        @Override public void println(float x) { out().println(x); }
        @Override public void println(double x) { out().println(x); }
        @Override public void println(char[] x) { out().println(x); }
        @Override public void println(String x) { out().println(x); }
        @Override public void println(Object x) { out().println(x); }
        @Override public PrintStream printf(String f, Object... args) { out().printf(f, args); return this; }
        @Override public PrintStream printf(java.util.Locale l, String f, Object... args) { out().printf(l, f, args); return this; }
        @Override public PrintStream format(String f, Object... args) { out().format(f, args); return this; }
        @Override public PrintStream format(java.util.Locale l, String f, Object... args) { out().format(l, f, args); return this; }
        @Override public PrintStream append(CharSequence c) { out().append(c); return this; }
        @Override public PrintStream append(CharSequence c, int start, int end) { out().append(c, start, end); return this; }
        @Override public PrintStream append(char c) { out().append(c); return this; }
        @Override public void flush() { target.flush(); }
        @Override public boolean checkError() { return target.checkError(); }
    }

    /**
     * Frees the off-heap buffers of arrays that are no longer referenced. ND4J releases native memory only when
     * the Java garbage collector finds the owning arrays unreachable (samediff-notes.md, bug 8). Graphs run through
     * {@link PooledExecution} leave little such garbage, so training calls this every few steps; code that creates
     * many arrays outside the pool (analyses, ablations) calls it between passes.
     */
    public static void releaseMemory() {
        System.gc();
    }

    /**
     * Re-points SameDiff's op registry (its private maps {@code nodeConverters}, {@code customOpHashToClass} and
     * {@code customOpHashToClasses}) at the {@link #REPLACEMENTS} and adds the {@link #ADDITIONS} under their native
     * hash and the {@link #JAVA_KERNELS} under theirs (also among the executioner's custom op descriptors):
     * {@code createGradFunction()} copies the graph and re-creates every custom op from the registry (legacy ops from
     * their op number), so overriding {@code doDiff} in a subclass alone does not survive.
     */
    @SuppressWarnings("unchecked")
    private static void patchOpRegistry() {
        DifferentialFunctionClassHolder holder = DifferentialFunctionClassHolder.getInstance();
        try {
            Map<String, DifferentialFunction> converters =
                    (Map<String, DifferentialFunction>) field(holder, "nodeConverters");
            for (Map.Entry<String, DifferentialFunction> e : converters.entrySet()) {
                Class<? extends DifferentialFunction> repl = e.getValue() == null ? null
                        : REPLACEMENTS.get(e.getValue().getClass());
                if (repl != null) {
                    e.setValue(repl.getDeclaredConstructor().newInstance());
                }
            }
            Map<Long, Class<?>> byHash = (Map<Long, Class<?>>) field(holder, "customOpHashToClass");
            byHash.replaceAll((hash, cls) -> REPLACEMENTS.getOrDefault(cls, (Class) cls));
            Map<Long, Map<String, Class<?>>> byHashAndName =
                    (Map<Long, Map<String, Class<?>>>) field(holder, "customOpHashToClasses");
            for (Map<String, Class<?>> m : byHashAndName.values()) {
                m.replaceAll((name, cls) -> REPLACEMENTS.getOrDefault(cls, (Class) cls));
            }
            for (Class<? extends DynamicCustomOp> op : ADDITIONS) {
                byHash.put(nativeHash(op.getDeclaredConstructor().newInstance().opName()), op);
            }
            for (Class<? extends JavaKernelOp> op : JAVA_KERNELS) {
                JavaKernelOp k = op.getDeclaredConstructor().newInstance();
                byHash.put(k.opHash(), op);
                KernelExecutioner.describe(k);
            }
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("cannot patch SameDiff's op registry (ND4J internals changed?): " + e, e);
        }
    }

    /** The hash under which libnd4j and the registry know a custom op. */
    private static long nativeHash(String opName) {
        return Nd4j.getExecutioner().getCustomOperations().get(opName).getHash();
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
    }
}
