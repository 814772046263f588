package dev.sinter.trainers;

import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.models.family.FamilyModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a {@link TrainingRun} trains on: the data it read (for provenance), how the model of its family is built and
 * fed (a sampler of windows the model's placeholders understand), what it measures beyond the loss, and what it leaves
 * in the run directory at the end. Language modelling on {@code data:} is the default ({@link LanguageModelTask});
 * a {@code task:} section selects a registered {@link TrainingTaskType} (e.g. classification with an encoder).
 */
public interface TrainingTask {
    /** Facts about the data for {@code provenance.json} (files and their hashes, the tokenizer). */
    Map<String, Object> provenance();

    /** The data in one line for the run's log (sizes, tokenizer). */
    String describe();

    /**
     * The model to train, its projections formed by {@code trainer}'s linear layer, with base weights from
     * {@code model.from} or a seeded initialisation, fed with this task's data.
     */
    FamilyModel buildModel(Trainer trainer) throws IOException;

    /** The training windows, deterministic and resumable. */
    BatchSampler sampler();

    /** The validation windows. */
    int[][] validationWindows();

    /** Files every checkpoint carries besides the config (e.g. the tokenizer), by name. */
    Map<String, byte[]> runFiles() throws IOException;

    /**
     * Listeners of one training loop on {@code model} (each phase's model gets its own), e.g. validation accuracy;
     * rows they write go to {@code metrics} (the run's {@code metrics.jsonl}). Default none.
     */
    default List<TrainingListener> listeners(FamilyModel model, Path metrics) {
        return List.of();
    }

    /** Writes the task's results for the final dense model into the run directory; returns sample lines to print. */
    List<String> finish(FamilyModel result, Path runDir) throws IOException;
}
