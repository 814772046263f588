package dev.sinter.framework.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A progress bar with step, loss and tokens/s on a terminal; without one (CI, pipes), a log line every
 * {@code logEvery} steps instead.
 */
public final class ProgressListener implements TrainingListener, AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ProgressListener.class);
    private final ProgressBar bar;
    private final int logEvery;
    private double valLoss = Double.NaN;

    public ProgressListener(String task, long totalSteps, long startStep, int logEvery) {
        this.logEvery = logEvery;
        this.bar = System.console() == null ? null : new ProgressBarBuilder().setTaskName(task)
                .setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII).startsFrom(startStep,
                        java.time.Duration.ZERO).build();
    }

    @Override
    public void onStep(StepMetrics m) {
        String msg = String.format("loss %.4f | val %.4f | %.0f tok/s | lr %.2e", m.loss(), valLoss,
                m.tokensPerSecond(), m.lr());
        if (bar != null) {
            bar.stepTo(m.step());
            bar.setExtraMessage(msg);
        } else if (m.step() % logEvery == 0 || m.step() == 1) {
            LOG.info("step {} | {}", m.step(), msg);
        }
    }

    @Override
    public void onValidation(long step, double loss) {
        valLoss = loss;
        if (bar == null) {
            LOG.info("step {} | validation loss {}", step, String.format("%.4f", loss));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
