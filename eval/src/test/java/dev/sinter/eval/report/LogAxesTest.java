package dev.sinter.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Log axes drawn as log10 on a linear axis, with every tick labelled by the value it stands for. */
class LogAxesTest {
    @Test
    void aLogAxisWithinOneDecadeGetsLabelledTicksAndDropsPointsItCannotDraw() {
        XYChart c = new XYChartBuilder().width(400).height(300).xAxisTitle("layer").yAxisTitle("max |value|").build();
        c.getStyler().setYAxisLogarithmic(true);
        c.addSeries("a", new double[]{0, 1, 2, 3}, new double[]{2, 0, 8, 40});
        LogAxes.label(c);
        assertFalse(c.getStyler().isYAxisLogarithmic());
        assertArrayEquals(new double[]{0, 2, 3}, c.getSeriesMap().get("a").getXData()); // the 0 cannot be drawn
        assertArrayEquals(new double[]{Math.log10(2), Math.log10(8), Math.log10(40)},
                c.getSeriesMap().get("a").getYData(), 1e-12);
        assertEquals("max |value| (log scale)", c.getYAxisTitle());
        assertEquals("layer", c.getXAxisTitle());
    }

    @Test
    void ticksReadAsTheValuesTheyStandFor() {
        assertEquals(List.of("10", "31.6", "3.16", "316", "0.05", "2.00e+05", "5.00e-04"),
                List.of(LogAxes.tick(1), LogAxes.tick(1.5), LogAxes.tick(0.5), LogAxes.tick(2.5),
                        LogAxes.tick(Math.log10(0.05)), LogAxes.tick(Math.log10(2e5)), LogAxes.tick(Math.log10(5e-4))));
    }

    @Test
    void aChartWithoutLogAxesIsLeftAlone() {
        XYChart c = new XYChartBuilder().width(400).height(300).yAxisTitle("loss").build();
        c.addSeries("a", new double[]{0, 1}, new double[]{-1, 2});
        LogAxes.label(c);
        assertArrayEquals(new double[]{-1, 2}, c.getSeriesMap().get("a").getYData());
        assertEquals("loss", c.getYAxisTitle());
    }
}
