package dev.sinter.trainers;

import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Shared fixtures of the end-to-end training tests, for tests in sub-packages. */
public final class TrainingRunTestAccess {
    private TrainingRunTestAccess() {
    }

    /** The tiny-model run config on tinyshakespeare used across the trainer tests, plus overrides. */
    public static RunConfig config(Path dir, String name, String... overrides) {
        return TrainingRunTest.config(dir, name, overrides);
    }

    /** Trains a run and returns its directory. */
    public static Path train(Path dir, String name, String... overrides) throws IOException {
        return new TrainingRun(config(dir, name, overrides)).execute().runDir();
    }

    /** A listener that fails the run when step {@code step} completes: a crash after the last checkpoint. */
    public static TrainingListener crashAt(long step) {
        return new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() == step) {
                    throw new IllegalStateException("simulated crash at step " + step);
                }
            }
        };
    }

    /** Training loss per step from a run's metrics.jsonl. */
    public static Map<Long, Double> losses(Path runDir) throws IOException {
        return TrainingRunTest.trainLosses(runDir);
    }
}
