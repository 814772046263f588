package dev.sinter.encoders.continual;

import dev.sinter.encoders.TextClassificationData.Item;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A class-incremental learner over a sequence of text-classification tasks: the contract between the continual-
 * learning runner (task order, metrics, checkpoints, reports) and the methods it compares (sequential fine-tuning,
 * always-grow prompt sets, LW2G, joint training). Class ids are global: the index of the class in the list of every
 * class seen so far, which only grows.
 */
public interface ContinualLearner {
    /** The method's name in reports ({@code sequential}, {@code always-grow}, {@code lw2g}, {@code joint}, …). */
    String name();

    /**
     * Called once before the first task of a fresh run (not on resume) with every task's training items, in task
     * order. A method that builds a prior from the whole data set, as LW2G's authors build S_pre from every class,
     * keeps what it needs; the default ignores them.
     */
    default void preview(List<List<Item>> trainOfEveryTask) {
    }

    /**
     * Learns task {@code task} (0-based). {@code classes} are all classes seen so far, this task's included;
     * {@code taskClasses} the global ids this task adds; items carry global class ids.
     */
    LearnReport learn(int task, List<String> classes, List<Integer> taskClasses, List<Item> train,
                      List<Item> validation) throws IOException;

    /** Class-incremental predictions (over every class seen so far) and the prompt set each example used. */
    Predictions predict(List<Item> test) throws IOException;

    /** Writes everything needed to continue after the last learned task (weights, prompt sets, maps, bases, keys). */
    void save(Path dir) throws IOException;

    /** Restores the state {@link #save} wrote, so learning continues exactly as without the interruption. */
    void restore(Path dir) throws IOException;

    /** How many prompt sets the learner holds (0 for a method without prompts). */
    int promptSets();

    /**
     * What learning one task did.
     *
     * @param promptSet the prompt set trained (-1 without prompts)
     * @param grew      whether a new prompt set was added for this task
     * @param details   method-specific facts for the report (e.g. LW2G's angles θ_k and ε), JSON-friendly values
     */
    record LearnReport(int promptSet, boolean grew, Map<String, Object> details) {
    }

    /**
     * Predictions for test items.
     *
     * @param labels     predicted global class ids
     * @param promptSets the prompt set each example used (-1 without prompts)
     */
    record Predictions(int[] labels, int[] promptSets) {
    }
}
