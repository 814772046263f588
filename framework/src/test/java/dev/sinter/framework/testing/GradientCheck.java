package dev.sinter.framework.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.samediff.SameDiffRuntime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Float64 central finite-difference check of SameDiff gradients: for sampled elements of each named variable,
 * compares {@code calculateGradients} with {@code (L(w+ε) − L(w−ε)) / 2ε}.
 */
public final class GradientCheck {
    private static final double EPS = 1e-6;

    private GradientCheck() {
    }

    /** One compared element. */
    public record Point(String variable, long index, double analytic, double numeric) {
        double relativeError() {
            double denom = Math.max(Math.abs(analytic) + Math.abs(numeric), 1e-7);
            return Math.abs(analytic - numeric) / denom;
        }
    }

    /**
     * Checks up to {@code perVariable} random elements of every variable and asserts a relative error below
     * {@code maxRelError}, or an absolute error below {@code 1e-9·max(1, |L|)} for near-zero gradients: a float64 loss
     * summed over many terms carries rounding errors of about 1e-15·|L|, which the central difference divides by
     * 2ε = 2e-6. Returns the compared points.
     */
    public static List<Point> check(SameDiff sd, Map<String, INDArray> placeholders, String loss,
                                    Collection<String> variables, int perVariable, double maxRelError) {
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> sd.calculateGradients(placeholders, variables));
        double absFloor = 1e-9 * Math.max(1, Math.abs(lossValue(sd, placeholders, loss)));
        SplittableRandom rng = new SplittableRandom(7);
        List<Point> points = new ArrayList<>();
        for (String name : variables) {
            INDArray w = sd.getVariable(name).getArr();
            assertTrue(w.dataType() == DataType.DOUBLE, name + " must be float64 for a finite-difference check");
            INDArray g = grads.get(name);
            assertTrue(g != null, "no gradient for " + name);
            long n = w.length();
            for (int s = 0; s < Math.min(perVariable, n); s++) {
                long idx = perVariable >= n ? s : rng.nextLong(n);
                double orig = w.getDouble(idx);
                w.putScalar(idx, orig + EPS);
                double plus = lossValue(sd, placeholders, loss);
                w.putScalar(idx, orig - EPS);
                double minus = lossValue(sd, placeholders, loss);
                w.putScalar(idx, orig);
                Point p = new Point(name, idx, g.getDouble(idx), (plus - minus) / (2 * EPS));
                points.add(p);
                boolean ok = p.relativeError() < maxRelError || Math.abs(p.analytic() - p.numeric()) < absFloor;
                assertTrue(ok, "gradient mismatch at " + p + " rel.err " + p.relativeError());
            }
        }
        return points;
    }

    private static double lossValue(SameDiff sd, Map<String, INDArray> ph, String loss) {
        return sd.output(ph, loss).get(loss).getDouble(0);
    }
}
