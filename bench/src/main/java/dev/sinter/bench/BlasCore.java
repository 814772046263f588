package dev.sinter.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The compute kernels ("core") the loaded OpenBLAS chose, for the benchmark's record. OpenBLAS picks them per CPU,
 * or from {@code OPENBLAS_CORETYPE}, and they set the matmul ceiling (80–98 GFLOP/s for Haswell against 133–185 for
 * SkylakeX here, see bench/README.md); ND4J's javacpp preset does not map {@code openblas_get_corename}, so this
 * asks the library that {@code /proc/self/maps} shows loaded.
 */
final class BlasCore {
    private BlasCore() {
    }

    private interface OpenBlas extends Library {
        String openblas_get_corename();
    }

    /** The loaded OpenBLAS's core name, or "unknown" (no OpenBLAS mapped, not Linux, or no such symbol). */
    static String name() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.contains("libopenblas")) {
                    return Native.load(line.substring(slash), OpenBlas.class).openblas_get_corename();
                }
            }
        } catch (IOException | UnsatisfiedLinkError e) {
            return "unknown";
        }
        return "unknown";
    }
}
