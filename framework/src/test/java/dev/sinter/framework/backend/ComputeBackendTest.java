package dev.sinter.framework.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default build runs ND4J's CPU backend, and its settings go through {@link ComputeBackend}. */
class ComputeBackendTest {
    @Test
    void theDefaultBuildRunsOnTheCpuBackendWithOneDnn() {
        assertEquals(ComputeBackend.Kind.CPU, ComputeBackend.kind());
        Map<String, Object> facts = ComputeBackend.describe();
        assertEquals("cpu", facts.get("backend"));
        assertEquals("oneDNN", facts.get("helpers"));
        assertEquals("1", facts.get("omp_num_threads"), "surefire starts test JVMs with OMP_NUM_THREADS=1");
        assertEquals(1, facts.get("nd4j_threads"), "libnd4j takes its thread cap from OMP_NUM_THREADS");
    }
}
