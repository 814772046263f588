package dev.sinter.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * Log-scale axes whose ticks carry labels. XChart's own logarithmic axis labels only powers of ten, so a series that
 * spans less than a decade (2–40, say) gets an axis with one label or none. Instead, every series is drawn at log10 of
 * its values on a linear axis, and each tick is labelled with the value it stands for (log10 = 1.5 reads
 * {@code 31.6}). Points that are not positive and finite cannot be drawn on a log axis and are left out.
 */
public final class LogAxes {
    private LogAxes() {
    }

    /**
     * Turns the chart's logarithmic axes (set with {@code setXAxisLogarithmic}/{@code setYAxisLogarithmic}) into
     * labelled ones; call after every series was added and before saving. A chart without log axes is unchanged.
     */
    public static void label(XYChart c) {
        boolean logX = c.getStyler().isXAxisLogarithmic();
        boolean logY = c.getStyler().isYAxisLogarithmic();
        if (!logX && !logY) {
            return;
        }
        for (XYSeries s : List.copyOf(c.getSeriesMap().values())) {
            double[] x = s.getXData();
            double[] y = s.getYData();
            List<double[]> kept = new ArrayList<>();
            for (int i = 0; i < x.length; i++) {
                if ((!logX || drawable(x[i])) && (!logY || drawable(y[i]))) {
                    kept.add(new double[]{logX ? Math.log10(x[i]) : x[i], logY ? Math.log10(y[i]) : y[i]});
                }
            }
            if (kept.isEmpty()) {
                c.removeSeries(s.getName());
            } else {
                c.updateXYSeries(s.getName(), kept.stream().mapToDouble(p -> p[0]).toArray(),
                        kept.stream().mapToDouble(p -> p[1]).toArray(), null);
            }
        }
        c.getStyler().setXAxisLogarithmic(false).setYAxisLogarithmic(false);
        if (logX) {
            c.setCustomXAxisTickLabelsFormatter(LogAxes::tick);
            c.setXAxisTitle(c.getXAxisTitle() + " (log scale)");
        }
        if (logY) {
            c.setCustomYAxisTickLabelsFormatter(LogAxes::tick);
            c.setYAxisTitle(c.getYAxisTitle() + " (log scale)");
        }
    }

    private static boolean drawable(double v) {
        return v > 0 && Double.isFinite(v);
    }

    /**
     * The label of a tick at log10 value {@code e}: whole numbers from 100, else 3 significant digits; scientific
     * outside [0.001, 10⁵).
     */
    static String tick(double e) {
        double v = Math.pow(10, e);
        if (v >= 1e5 || v < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
