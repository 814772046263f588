package dev.sinter.framework.backend;

import dev.sinter.framework.samediff.SameDiffRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place that knows which ND4J backend runs and holds its settings. The build picks the backend: the default
 * Maven profile {@code cpu} puts {@code nd4j-native} (oneDNN build) and OpenBLAS on the classpath, {@code -Pcuda}
 * {@code nd4j-cuda-11.6} (framework/pom.xml); nd4j-api loads whichever it finds. Code that needs a backend fact or
 * setting (thread counts, helper libraries, provenance) asks this class, never ND4J's environment directly.
 */
public final class ComputeBackend {
    /** The ND4J backends a build can carry. */
    public enum Kind {
        /** {@code nd4j-native}: libnd4j on the CPU with OpenMP threads, oneDNN as its helper library. */
        CPU("cpu", "oneDNN"),
        /** {@code nd4j-cuda-11.6}: libnd4j on an NVIDIA GPU, cuDNN as its helper library. */
        CUDA("cuda", "cuDNN");

        private final String id;
        private final String helperLibrary;

        Kind(String id, String helperLibrary) {
            this.id = id;
            this.helperLibrary = helperLibrary;
        }

        /** The name recorded in provenance and logs ({@code cpu}, {@code cuda}), also the Maven profile's id. */
        public String id() {
            return id;
        }

        /** The vendor library libnd4j hands supported ops to on this backend. */
        public String helperLibrary() {
            return helperLibrary;
        }
    }

    private ComputeBackend() {
    }

    /** The backend this process runs on (loads ND4J through {@link SameDiffRuntime#init()} if not yet loaded). */
    public static Kind kind() {
        return environment().isCPU() ? Kind.CPU : Kind.CUDA;
    }

    /**
     * Threads libnd4j uses inside one op (on the CPU: its OpenMP threads, capped by {@code OMP_NUM_THREADS} when ND4J
     * loads; SameDiff trains fastest on 2 cores with one).
     */
    public static int threads() {
        return environment().maxThreads();
    }

    /**
     * The backend facts a run records in its provenance: {@code backend} ({@link Kind#id()}), {@code nd4j_threads},
     * {@code helpers} (the helper library, or {@code off}) and {@code omp_num_threads} (the environment variable as
     * the process started with it, or {@code unset}).
     */
    public static Map<String, Object> describe() {
        Kind kind = kind();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("backend", kind.id());
        facts.put("nd4j_threads", threads());
        facts.put("helpers", environment().helpersAllowed() ? kind.helperLibrary() : "off");
        facts.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        return facts;
    }

    private static Environment environment() {
        SameDiffRuntime.init();
        return Nd4j.getEnvironment();
    }
}
