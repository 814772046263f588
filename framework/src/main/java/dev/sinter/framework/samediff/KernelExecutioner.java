package dev.sinter.framework.samediff;

import dev.sinter.framework.backend.ComputeBackend;
import dev.sinter.framework.kernels.FusedKernels;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Puts a thin layer in front of ND4J's op executioner that runs {@link JavaKernelOp}s in Java and passes every other
 * call on unchanged. SameDiff's session executes each op through {@code Nd4j.exec(op, context)}, which calls the
 * executioner: this is the one place where a graph op can get a kernel that libnd4j does not have. Installed only on
 * the CPU backend, whose arrays live in host memory that the Java kernels read and write directly, and when the JVM
 * has the Vector API ({@code --add-modules jdk.incubator.vector}; plain loops lose to ND4J's ops). System property
 * {@value #PROPERTY}{@code =off} leaves ND4J's executioner alone, so graphs use the composed SameDiff forms instead
 * (to compare the two).
 */
public final class KernelExecutioner implements InvocationHandler {
    static final String PROPERTY = "sinter.java-kernels";
    private static final Map<String, CustomOpDescriptor> JAVA_OPS = new ConcurrentHashMap<>();
    private static volatile boolean active;
    private final OpExecutioner delegate;
    /** ND4J's custom op descriptors plus {@link #JAVA_OPS}, made on first use. */
    private volatile Map<String, CustomOpDescriptor> customOperations;

    private KernelExecutioner(OpExecutioner delegate) {
        this.delegate = delegate;
    }

    /** True once {@link #install()} put the layer in place: graph builders may then use {@link JavaKernelOp}s. */
    public static boolean active() {
        SameDiffRuntime.init();
        return active;
    }

    /** Wraps ND4J's executioner, once, on the CPU backend (idempotent; called by {@link SameDiffRuntime#init()}). */
    static synchronized void install() {
        String setting = System.getProperty(PROPERTY, "on");
        if (!setting.equals("on") && !setting.equals("off")) {
            throw new IllegalArgumentException(PROPERTY + " must be 'on' or 'off', got '" + setting + "'");
        }
        OpExecutioner current = Nd4j.getExecutioner();
        if (active || setting.equals("off") || ComputeBackend.kind() != ComputeBackend.Kind.CPU
                || !FusedKernels.vectorized()) {
            return;
        }
        Object wrapped = Proxy.newProxyInstance(OpExecutioner.class.getClassLoader(),
                new Class<?>[]{OpExecutioner.class}, new KernelExecutioner(current));
        try {
            Field f = Nd4j.class.getDeclaredField("OP_EXECUTIONER_INSTANCE");
            f.setAccessible(true);
            f.set(null, wrapped);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot install the Java kernel executioner (ND4J internals changed?): "
                    + e, e);
        }
        active = true;
    }

    /**
     * Adds a descriptor of {@code op} to the executioner's custom operations (registered at start-up, before any
     * graph is built): SameDiff's graph copy looks each custom op's hash up there by name.
     */
    static void describe(JavaKernelOp op) {
        JAVA_OPS.put(op.opName(), new CustomOpDescriptor(op.opHash(), -1, op.outputCount(), false, 0, 0));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (args != null && args.length > 0 && args[0] instanceof JavaKernelOp op) {
            switch (method.getName()) {
                case "exec" -> {
                    if (args.length == 2 && args[1] instanceof OpContext ctx) {
                        return op.run(ctx.getInputArrays(), ctx.getOutputArrays());
                    }
                    INDArray[] out = op.run(op.inputArguments(), op.outputArguments()); // eager: Nd4j.exec(op)
                    if (op.outputArguments().isEmpty()) {
                        op.addOutputArgument(out);
                    }
                    return out;
                }
                case "calculateOutputShape" -> {
                    return args.length == 2 ? op.calculateOutputShape((OpContext) args[1]) : op.calculateOutputShape();
                }
                default -> {
                    // any other call about the op goes to ND4J as usual
                }
            }
        }
        if (method.getName().equals("getCustomOperations")) {
            if (customOperations == null) {
                Map<String, CustomOpDescriptor> all = new HashMap<>(delegate.getCustomOperations());
                all.putAll(JAVA_OPS);
                customOperations = Collections.unmodifiableMap(all);
            }
            return customOperations;
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
