package dev.sinter.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The claim grammar and the verdict rule on hand-made numbers. */
class VerdictTest {
    private static final List<String> METRICS = List.of("a", "b");

    /** Margins of 'a < b' for per-seed (a, b) pairs. */
    private static double[] margins(ClaimExpression e, double[][] ab) {
        double[] m = new double[ab.length];
        for (int i = 0; i < ab.length; i++) {
            m[i] = e.margin(e.difference(Map.of("a", ab[i][0], "b", ab[i][1])));
        }
        return m;
    }

    @Test
    void reproducedWhenTheMeanAndEverySeedHold() {
        ClaimExpression e = ClaimExpression.parse("a < b", METRICS);
        assertEquals(Verdict.REPRODUCED, Verdict.of(e, margins(e, new double[][]{{1.0, 1.2}, {1.1, 1.15}, {0.9, 1.0}}), 1.0));
    }

    @Test
    void notAtThisScaleWhenOneSeedDisagreesOrTheMeanIsAgainstWithinOneStd() {
        ClaimExpression e = ClaimExpression.parse("a < b", METRICS);
        // the mean holds (margins 0.2, 0.2, -0.1) but one seed does not
        assertEquals(Verdict.NOT_AT_THIS_SCALE, Verdict.of(e, margins(e, new double[][]{{1.0, 1.2}, {1.0, 1.2}, {1.1, 1.0}}), 1.0));
        // the mean is against the claim (margins 0.1, -0.3: mean -0.1) by less than one std (0.28)
        assertEquals(Verdict.NOT_AT_THIS_SCALE, Verdict.of(e, margins(e, new double[][]{{1.0, 1.1}, {1.3, 1.0}}), 1.0));
    }

    @Test
    void contradictedWhenTheOppositeHoldsBeyondOneStd() {
        ClaimExpression e = ClaimExpression.parse("a < b", METRICS);
        // margins -0.2, -0.25, -0.15: mean -0.2, std 0.05
        assertEquals(Verdict.CONTRADICTED, Verdict.of(e, margins(e, new double[][]{{1.2, 1.0}, {1.25, 1.0}, {1.15, 1.0}}), 1.0));
        // one seed: std 0, so any mean against the claim contradicts it
        assertEquals(Verdict.CONTRADICTED, Verdict.of(e, margins(e, new double[][]{{1.01, 1.0}}), 1.0));
    }

    @Test
    void aTieIsNotAtThisScaleEitherWay() {
        ClaimExpression e = ClaimExpression.parse("a < b", METRICS);
        // identical seeds 2e-6 apart on numbers near 3.5: std 0, but far inside the tie tolerance
        double[] against = margins(e, new double[][]{{3.548202, 3.5482}, {3.548202, 3.5482}, {3.548202, 3.5482}});
        assertEquals(Verdict.NOT_AT_THIS_SCALE, Verdict.of(e, against, 3.548202));
        double[] forIt = margins(e, new double[][]{{3.5482, 3.548202}, {3.5482, 3.548202}});
        assertEquals(Verdict.NOT_AT_THIS_SCALE, Verdict.of(e, forIt, 3.548202));
        // without the size of the numbers (scale 0) the same margins are judged as before
        assertEquals(Verdict.CONTRADICTED, Verdict.of(e, against, 0));
        assertEquals(Verdict.REPRODUCED, Verdict.of(e, forIt, 0));
        // a margin of 1e-3 on numbers near 3.5 (3e-4 relative) is not a tie
        assertEquals(Verdict.CONTRADICTED, Verdict.of(e, margins(e, new double[][]{{3.501, 3.5}}), 3.501));
    }

    @Test
    void operatorsAndArithmetic() {
        ClaimExpression gap = ClaimExpression.parse("b - a > 0.01", METRICS);
        assertEquals(0.09, gap.margin(gap.difference(Map.of("a", 1.0, "b", 1.1))), 1e-12);
        assertEquals(Verdict.CONTRADICTED, Verdict.of(gap, new double[]{gap.margin(gap.difference(Map.of("a", 1.0,
                "b", 1.0)))}, 1.0));
        ClaimExpression close = ClaimExpression.parse("abs(a - b) <= 0.05", METRICS);
        assertEquals(0.02, close.margin(close.difference(Map.of("a", 1.0, "b", 0.97))), 1e-12);
        assertTrue(close.holds(0.0));
        ClaimExpression strict = ClaimExpression.parse("a*2 >= (b + 1) / 2e0", METRICS);
        assertEquals(1.0, strict.difference(Map.of("a", 1.0, "b", 1.0)), 1e-12);
        assertEquals(java.util.Set.of("a", "b"), strict.metrics());
    }

    @Test
    void badExpressionsNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClaimExpression.parse("a < c", METRICS))
                .getMessage().contains("unknown metric 'c'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClaimExpression.parse("a b", METRICS))
                .getMessage().contains("where a comparison (<, <=, >, >=) is expected"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClaimExpression.parse("a < b < a", METRICS))
                .getMessage().contains("one comparison per claim"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClaimExpression.parse("a", METRICS))
                .getMessage().contains("there is no comparison"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClaimExpression.parse("(a < b", METRICS))
                .getMessage().contains("')' expected"));
    }
}
